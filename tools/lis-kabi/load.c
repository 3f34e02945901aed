// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-file reads with transparent decompression.  The format is told by
 * the magic bytes, not the file name: gzip (zlib) and xz (liblzma) are read;
 * zstd and bzip2 are recognised and refused with a sentence that says so.
 * Concatenated gzip members and xz streams are read whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "kabi.h"

void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* a growing output buffer, always with room for the final NUL */
struct obuf {
	char *p;
	size_t len, cap, max;
};

static int obuf_room(struct obuf *o, size_t want)
{
	size_t ncap;
	char *np;

	if (o->cap - o->len > want)
		return 0;
	ncap = o->cap ? o->cap : 65536;
	while (ncap - o->len <= want)
		ncap *= 2;
	if (ncap > o->max + 1)
		ncap = o->max + 1;
	if (ncap - o->len <= 1)
		return -1;	/* at the limit */
	np = realloc(o->p, ncap);
	if (!np)
		return -2;
	o->p = np;
	o->cap = ncap;
	return 0;
}

/* room for the decompressor's next step, or the error that stops it */
static int room_or_fail(struct obuf *o, const char *label, struct kerr *e)
{
	switch (obuf_room(o, 1 << 18)) {
	case 0:
		return 0;
	case -1:
		return kerr_set(e, KABI_ECOMPRESS,
				"%s: decompressed data is larger than %zu bytes", label, o->max);
	default:
		return kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
	}
}

static int gunzip(struct obuf *o, const unsigned char *in, size_t len,
		  const char *label, struct kerr *e)
{
	z_stream z;
	int r, rc = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return kerr_set(e, KABI_ENOMEM, "%s: cannot start zlib", label);
	z.next_in = (unsigned char *)in;
	for (;;) {
		size_t chunk = len - (size_t)(z.next_in - in);

		z.avail_in = chunk > UINT32_MAX ? UINT32_MAX : (uInt)chunk;
		rc = room_or_fail(o, label, e);
		if (rc)
			break;
		z.next_out = (unsigned char *)o->p + o->len;
		z.avail_out = (uInt)(o->cap - o->len - 1 > UINT32_MAX ?
				     UINT32_MAX : o->cap - o->len - 1);
		{
			uInt before = z.avail_out;

			r = inflate(&z, Z_NO_FLUSH);
			o->len += before - z.avail_out;
		}
		if (r == Z_STREAM_END) {
			/* another gzip member may follow */
			if ((size_t)(z.next_in - in) >= len)
				break;
			if (inflateReset(&z) != Z_OK) {
				rc = kerr_set(e, KABI_ECOMPRESS, "%s: corrupt gzip data", label);
				break;
			}
			continue;
		}
		if (r == Z_BUF_ERROR && (size_t)(z.next_in - in) >= len) {
			rc = kerr_set(e, KABI_ECOMPRESS,
				      "%s: truncated gzip data (the file ends mid-stream)", label);
			break;
		}
		if (r == Z_MEM_ERROR) {
			rc = kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
			break;
		}
		if (r != Z_OK && r != Z_BUF_ERROR) {
			rc = kerr_set(e, KABI_ECOMPRESS, "%s: corrupt gzip data (%s)",
				      label, z.msg ? z.msg : "inflate failed");
			break;
		}
	}
	inflateEnd(&z);
	return rc;
}

static int unxz(struct obuf *o, const unsigned char *in, size_t len,
		const char *label, struct kerr *e)
{
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret r;
	int rc = 0;

	if (lzma_stream_decoder(&z, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return kerr_set(e, KABI_ENOMEM, "%s: cannot start the xz decoder", label);
	z.next_in = in;
	z.avail_in = len;
	for (;;) {
		rc = room_or_fail(o, label, e);
		if (rc)
			break;
		z.next_out = (uint8_t *)o->p + o->len;
		z.avail_out = o->cap - o->len - 1;
		{
			size_t before = z.avail_out;

			r = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
			o->len += before - z.avail_out;
		}
		if (r == LZMA_STREAM_END)
			break;
		if (r == LZMA_OK)
			continue;
		if (r == LZMA_BUF_ERROR)
			rc = kerr_set(e, KABI_ECOMPRESS,
				      "%s: truncated xz data (the file ends mid-stream)", label);
		else if (r == LZMA_MEM_ERROR)
			rc = kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
		else
			rc = kerr_set(e, KABI_ECOMPRESS, "%s: corrupt xz data (lzma error %d)",
				      label, (int)r);
		break;
	}
	lzma_end(&z);
	return rc;
}

enum compression { COMP_NONE, COMP_GZIP, COMP_XZ, COMP_ZSTD, COMP_BZIP2 };

static enum compression compression_of(const unsigned char *p, size_t len)
{
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return COMP_GZIP;
	if (len >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return COMP_XZ;
	if (len >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return COMP_ZSTD;
	if (len >= 3 && memcmp(p, "BZh", 3) == 0)
		return COMP_BZIP2;
	return COMP_NONE;
}

int blob_from_mem(struct blob *b, const void *buf, size_t len, size_t max,
		  const char *label, struct kerr *e)
{
	const unsigned char *p = buf;
	struct obuf o = { NULL, 0, 0, max };
	int rc;

	b->data = NULL;
	b->len = 0;
	switch (compression_of(p, len)) {
	case COMP_GZIP:
		rc = gunzip(&o, p, len, label, e);
		break;
	case COMP_XZ:
		rc = unxz(&o, p, len, label, e);
		break;
	case COMP_ZSTD:
		return kerr_set(e, KABI_ECOMPRESS,
				"%s: zstd-compressed; this lis-kabi reads plain, gzip and xz files "
				"(decompress it first: zstd -d)", label);
	case COMP_BZIP2:
		return kerr_set(e, KABI_ECOMPRESS,
				"%s: bzip2-compressed; this lis-kabi reads plain, gzip and xz files "
				"(decompress it first: bunzip2)", label);
	default:
		if (len > max)
			return kerr_set(e, KABI_EIO, "%s: larger than %zu bytes", label, max);
		o.p = malloc(len + 1);
		if (!o.p)
			return kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
		memcpy(o.p, p, len);
		o.len = len;
		rc = 0;
		break;
	}
	if (rc) {
		free(o.p);
		return rc;
	}
	if (!o.p) {
		o.p = malloc(1);
		if (!o.p)
			return kerr_set(e, KABI_ENOMEM, "%s: out of memory", label);
	}
	o.p[o.len] = '\0';
	b->data = o.p;
	b->len = o.len;
	return 0;
}

int blob_load(struct blob *b, const char *path, struct kerr *e)
{
	struct stat st;
	char *raw;
	size_t got = 0;
	ssize_t r;
	int fd, rc;

	b->data = NULL;
	b->len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kerr_set(e, KABI_EIO, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		rc = kerr_set(e, KABI_EIO, "%s: not a regular file", path);
		close(fd);
		return rc;
	}
	if ((uint64_t)st.st_size > KABI_MAX_FILE) {
		close(fd);
		return kerr_set(e, KABI_EIO, "%s: larger than %zu bytes", path, KABI_MAX_FILE);
	}
	raw = malloc((size_t)st.st_size + 1);
	if (!raw) {
		close(fd);
		return kerr_set(e, KABI_ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, raw + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = kerr_set(e, KABI_EIO, "%s: cannot read: %s", path, strerror(errno));
			free(raw);
			close(fd);
			return rc;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	/* plain files are used as read; compressed ones are replaced */
	if (compression_of((unsigned char *)raw, got) == COMP_NONE) {
		raw[got] = '\0';
		b->data = raw;
		b->len = got;
		return 0;
	}
	rc = blob_from_mem(b, raw, got, KABI_MAX_FILE, path, e);
	free(raw);
	return rc;
}
