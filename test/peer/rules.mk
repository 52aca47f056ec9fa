# The reference's own test suites and cnitool, built offline from Debian's source packages
# (test/peer/build.sh; cached in build/peer, a no-op while its inputs are unchanged). Built by
# `make test-bins` (hence `make check`); exit 77 (nothing to build it with) is tolerated here,
# peer-suites.t and diff-cnitool.t then skip and say why.
peer-bins:
	@test/peer/build.sh || [ $$? = 77 ]

test-bins: peer-bins
.PHONY: peer-bins
