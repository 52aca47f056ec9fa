/* cnictl: placeholder until the launcher lands. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: cnictl run|add|check|del|status|gc ... (not implemented yet)\n");
		return 0;
	}
	fprintf(stderr, "cnictl: not implemented yet\n");
	return 2;
}
