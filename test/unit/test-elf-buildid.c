/* elf_build_id: the id readelf reports for a real binary, and crafted files, well-formed and
 * hostile, that must give "no id" without reading out of bounds. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

#include "elf_buildid.h"
#include "../tap.h"

static char dir[] = "/tmp/cni-test-elf.XXXXXX";

static void remove_dir(void)
{
	rmdir(dir);
}

/* A path in this run's scratch directory (made on first use, removed at exit). */
static const char *scratch(const char *name)
{
	static char path[128];
	static bool made;
	if (!made) {
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
		made = true;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

/* The hex id readelf prints for path, as bytes. */
static int readelf_id(const char *path, unsigned char *id)
{
	char cmd[320], line[256];
	int n = 0;
	snprintf(cmd, sizeof(cmd), "readelf -n '%s'", path);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof(line), p)) {
		const char *h = strstr(line, "Build ID: ");
		if (!h)
			continue;
		for (h += 10; n < ELF_BUILD_ID_MAX && sscanf(h, "%2hhx", &id[n]) == 1; h += 2)
			n++;
	}
	if (p)
		pclose(p);
	return n;
}

TEST(real_binary_matches_readelf)
{
	unsigned char id[ELF_BUILD_ID_MAX], want[ELF_BUILD_ID_MAX];
	char self[256];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_TRUE(n > 0);
	self[n] = '\0';
	int len = elf_build_id(self, id, sizeof(id));
	ASSERT_TRUE(len > 0);
	ASSERT_EQ(len, readelf_id(self, want));
	ASSERT_TRUE(memcmp(id, want, (size_t)len) == 0);
}

TEST(not_elf_or_missing)
{
	unsigned char id[ELF_BUILD_ID_MAX];
	char script[128];
	snprintf(script, sizeof(script), "%s", scratch("script"));
	write_file(script, "#!/bin/sh\nexit 0\n", 17);
	ASSERT_EQ(elf_build_id(script, id, sizeof(id)), 0);
	write_file(script, "", 0);
	ASSERT_EQ(elf_build_id(script, id, sizeof(id)), 0);
	ASSERT_EQ(elf_build_id(scratch("missing"), id, sizeof(id)), -ENOENT);
	ASSERT_TRUE(elf_build_id(dir, id, sizeof(id)) < 0); /* a directory cannot be read */
	unlink(script);
}

/* A minimal ELF64: header, one PT_NOTE program header, then the note bytes. */
struct crafted {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned char notes[96];
};

static void craft(struct crafted *f, size_t notes_len)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_ident[EI_VERSION] = EV_CURRENT;
	f->eh.e_type = ET_EXEC;
	f->eh.e_phoff = offsetof(struct crafted, ph);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = 1;
	f->ph.p_type = PT_NOTE;
	f->ph.p_offset = offsetof(struct crafted, notes);
	f->ph.p_filesz = notes_len;
	f->ph.p_align = 4;
}

/* Append one note at *off: name (NUL included in namesz), then desc, each padded to 4. */
static void add_note(struct crafted *f, size_t *off, uint32_t type, const char *name,
		     const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = {
		.n_namesz = (uint32_t)strlen(name) + 1, .n_descsz = descsz, .n_type = type};
	memcpy(f->notes + *off, &nh, sizeof(nh));
	*off += sizeof(nh);
	memcpy(f->notes + *off, name, nh.n_namesz);
	*off += (nh.n_namesz + 3) & ~3u;
	memcpy(f->notes + *off, desc, descsz);
	*off += (descsz + 3) & ~3u;
}

static int id_of(const struct crafted *f, size_t file_len, unsigned char *id)
{
	const char *path = scratch("crafted");
	write_file(path, f, file_len);
	int r = elf_build_id(path, id, ELF_BUILD_ID_MAX);
	unlink(path);
	return r;
}

TEST(crafted_notes)
{
	static const unsigned char want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	unsigned char id[ELF_BUILD_ID_MAX];
	struct crafted f;
	size_t off = 0;

	/* Another vendor's note first, then the build-id. */
	craft(&f, 0);
	add_note(&f, &off, NT_GNU_BUILD_ID, "Go", "xyz", 3);
	add_note(&f, &off, NT_GNU_BUILD_ID, "GNU", want, sizeof(want));
	f.ph.p_filesz = off;
	ASSERT_EQ(id_of(&f, sizeof(f), id), (int)sizeof(want));
	ASSERT_TRUE(memcmp(id, want, sizeof(want)) == 0);

	/* A GNU note of another type is not the build-id. */
	off = 0;
	craft(&f, 0);
	add_note(&f, &off, NT_GNU_ABI_TAG, "GNU", want, sizeof(want));
	f.ph.p_filesz = off;
	ASSERT_EQ(id_of(&f, sizeof(f), id), 0);

	/* Hostile sizes: descsz or namesz past the segment, a segment past the end of the file. */
	off = 0;
	craft(&f, 0);
	add_note(&f, &off, NT_GNU_BUILD_ID, "GNU", want, sizeof(want));
	f.ph.p_filesz = off;
	((Elf64_Nhdr *)(void *)f.notes)->n_descsz = 0xfffffff0u;
	ASSERT_EQ(id_of(&f, sizeof(f), id), 0);
	((Elf64_Nhdr *)(void *)f.notes)->n_descsz = sizeof(want);
	((Elf64_Nhdr *)(void *)f.notes)->n_namesz = 0xffffffffu;
	ASSERT_EQ(id_of(&f, sizeof(f), id), 0);
	((Elf64_Nhdr *)(void *)f.notes)->n_namesz = 4;
	ASSERT_EQ(id_of(&f, offsetof(struct crafted, notes) + 8, id), 0); /* truncated */
	f.ph.p_offset = 1u << 30;
	ASSERT_EQ(id_of(&f, sizeof(f), id), 0);

	/* Header checks: 32-bit class, no program headers, a truncated header. */
	craft(&f, 0);
	f.eh.e_ident[EI_CLASS] = ELFCLASS32;
	ASSERT_EQ(id_of(&f, sizeof(f), id), 0);
	craft(&f, 0);
	f.eh.e_phnum = 0;
	ASSERT_EQ(id_of(&f, sizeof(f), id), 0);
	f.eh.e_phnum = 1000;
	ASSERT_EQ(id_of(&f, sizeof(f), id), 0);
	ASSERT_EQ(id_of(&f, 40, id), 0);
}

TAP_MAIN
