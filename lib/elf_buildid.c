/* GNU build-id of an ELF file, from its program headers' PT_NOTE segments. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "elf_buildid.h"
#include "macro.h"

#define MAX_PHDRS    64	  /* our binaries have about 13 */
#define MAX_NOTE_SEG 4096 /* the build-id sits in a segment of a few dozen bytes */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif

static size_t align_up(size_t n, size_t a)
{
	return (n + a - 1) & ~(a - 1);
}

/* Walk one note segment; return the build-id length (copied to buf) or 0. */
static int find_in_notes(const unsigned char *seg, size_t len, size_t align, unsigned char *buf,
			 size_t size)
{
	size_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, seg + off, sizeof(nh));
		size_t name_off = off + sizeof(nh);
		/* Sizes come from the file: bound them before any arithmetic can wrap. */
		if (nh.n_namesz > len || nh.n_descsz > len)
			return 0;
		size_t desc_off = align_up(name_off + nh.n_namesz, align);
		size_t next = align_up(desc_off + nh.n_descsz, align);
		if (desc_off + nh.n_descsz > len)
			return 0;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == sizeof("GNU") &&
		    memcmp(seg + name_off, "GNU", sizeof("GNU")) == 0) {
			if (nh.n_descsz == 0 || nh.n_descsz > size)
				return 0;
			memcpy(buf, seg + desc_off, nh.n_descsz);
			return (int)nh.n_descsz;
		}
		if (next <= off)
			return 0;
		off = next;
	}
	return 0;
}

/* The file's first page, read once: the headers and the build-id note of our binaries are in
 * it, so one pread usually answers every read_exact. */
struct head {
	int fd;
	unsigned char page[4096];
	size_t len;
};

static int read_exact(struct head *h, void *buf, size_t len, off_t off)
{
	ssize_t n;

	if (off >= 0 && (size_t)off <= h->len && len <= h->len - (size_t)off) {
		memcpy(buf, h->page + off, len);
		return 0;
	}
	n = pread(h->fd, buf, len, off);
	if (n < 0)
		return negative_errno();
	return (size_t)n == len ? 0 : -ENOEXEC;
}

int elf_build_id(const char *path, unsigned char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	Elf64_Phdr ph[MAX_PHDRS];
	unsigned char seg[MAX_NOTE_SEG];
	struct head h = {.fd = fd};
	Elf64_Ehdr eh;
	ssize_t got;
	int r;

	if (fd < 0)
		return negative_errno();
	if ((got = pread(fd, h.page, sizeof(h.page), 0)) < 0)
		return negative_errno();
	h.len = (size_t)got;
	if ((r = read_exact(&h, &eh, sizeof(eh), 0)) < 0)
		return r == -ENOEXEC ? 0 : r;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != NATIVE_DATA || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		return 0;
	if ((r = read_exact(&h, ph, eh.e_phnum * sizeof(ph[0]), (off_t)eh.e_phoff)) < 0)
		return r == -ENOEXEC ? 0 : r;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE || ph[i].p_filesz < sizeof(Elf64_Nhdr) ||
		    ph[i].p_filesz > sizeof(seg))
			continue;
		if ((r = read_exact(&h, seg, ph[i].p_filesz, (off_t)ph[i].p_offset)) < 0) {
			if (r == -ENOEXEC)
				continue;
			return r;
		}
		/* Notes are padded to 4 bytes, or to 8 in segments aligned to 8 (gABI). */
		int n = find_in_notes(seg, ph[i].p_filesz, ph[i].p_align == 8 ? 8 : 4, buf, size);
		if (n > 0)
			return n;
	}
	return 0;
}
