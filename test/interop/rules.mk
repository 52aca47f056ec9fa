# Interop suite: the libcni driver (Go, GOPATH mode against Debian's libcni sources).
# Built by `make test-bins` (hence `make check`) when go is installed; build.sh exits 77
# (tolerated here) when it is not, and the interop-*/diff-* tests then build or skip.
CNIDRIVE := $(BUILD)/test/interop/cnidrive

$(CNIDRIVE): test/interop/cnidrive.go test/interop/build.sh
	$(call say,GO,$@)test/interop/build.sh $@ || [ $$? = 77 ]

test-bins: $(CNIDRIVE)
