// SPDX-License-Identifier: GPL-2.0
/*
 * hostsim-vm's storvsp control commands (included by hostsim-vm.c, so it
 * shares its state, event log and GUID parser):
 *   storvsp NAME scsi|ide INSTANCE MAXCH	offer a storvsp controller (SCSI:
 *					MAXCH sub-channels at most, multi-channel;
 *					IDE: target from INSTANCE bytes 4-5)
 *   lun NAME add T L BLOCKS [FILE]	add a LUN, in memory or backed by FILE
 *					(BLOCKS 0 keeps the file's size; a hot
 *					add after init)
 *   lun NAME remove T L		hot remove
 *   lun NAME resize T L BLOCKS		online resize
 *   lun NAME sum T L			SHA-256 of the disk as the host sees it
 *   lun NAME blocks T L		its size in 512-byte blocks
 *   storvsp-stats NAME			hs_storvsp_stats as key=value lines
 *   storvsp-rescind NAME		rescind the controller (all its channels)
 * Storvsp controllers live until the host process ends.
 */
#define MAX_SV		4
#define MAX_SV_LUNS	16

struct vm_sv_lun {
	uint8_t target, lun;
	struct hs_lun *l;
};

static struct {
	char name[32];
	struct hs_storvsp *sv;
	struct vm_sv_lun luns[MAX_SV_LUNS];
	unsigned int nluns;
} SV[MAX_SV];
static unsigned int nsv;
static pthread_mutex_t sv_lock = PTHREAD_MUTEX_INITIALIZER;

static int sv_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nsv; i++)
		if (!strcmp(SV[i].name, name))
			return (int)i;
	return -1;
}

static struct hs_lun *sv_lun(int s, const char *t, const char *l)
{
	unsigned long target = strtoul(t, NULL, 0), lun = strtoul(l, NULL, 0);
	unsigned int i;

	for (i = 0; i < SV[s].nluns; i++)
		if (SV[s].luns[i].target == target && SV[s].luns[i].lun == lun)
			return SV[s].luns[i].l;
	return NULL;
}

static void sv_add(char **argv, FILE *f)
{
	struct hs_storvsp_config cfg;
	int s;

	memset(&cfg, 0, sizeof(cfg));
	cfg.ide = !strcmp(argv[2], "ide");
	if (parse_guid(argv[3], cfg.instance_guid) || strlen(argv[1]) >= sizeof(SV[0].name) ||
	    (!cfg.ide && strcmp(argv[2], "scsi"))) {
		fprintf(f, "error: storvsp NAME scsi|ide INSTANCE MAXCH\n");
		return;
	}
	cfg.ide_target = cfg.instance_guid[4];
	cfg.max_channels = (uint16_t)strtoul(argv[4], NULL, 0);
	cfg.multi_channel = cfg.max_channels > 0;
	pthread_mutex_lock(&sv_lock);
	s = sv_find(argv[1]);
	if (s >= 0 || nsv == MAX_SV) {
		pthread_mutex_unlock(&sv_lock);
		fprintf(f, "error: storvsp %s exists, or too many\n", argv[1]);
		return;
	}
	SV[nsv].sv = hs_storvsp_add(S.h, &cfg);
	if (!SV[nsv].sv) {
		pthread_mutex_unlock(&sv_lock);
		fprintf(f, "error: hostsim refused the storvsp\n");
		return;
	}
	snprintf(SV[nsv].name, sizeof(SV[nsv].name), "%s", argv[1]);
	s = (int)nsv++;
	pthread_mutex_unlock(&sv_lock);
	event("storvsp %s %s instance=%s relid=%u", argv[1], argv[2], argv[3],
	      hs_channel_relid(hs_device_channel(hs_storvsp_device(SV[s].sv), 0)));
	fprintf(f, "relid %u\n", hs_channel_relid(hs_device_channel(hs_storvsp_device(SV[s].sv), 0)));
}

static void sv_lun_cmd(char **argv, unsigned int argc, FILE *f)
{
	struct hs_lun_config lc;
	struct hs_lun *l;
	char hex[65];
	int s, rc = -1;

	pthread_mutex_lock(&sv_lock);
	s = sv_find(argv[1]);
	l = s < 0 ? NULL : sv_lun(s, argv[3], argv[4]);
	if (s >= 0 && !strcmp(argv[2], "add") && (argc == 6 || argc == 7) && !l &&
	    SV[s].nluns < MAX_SV_LUNS) {
		memset(&lc, 0, sizeof(lc));
		lc.file = argc == 7 ? argv[6] : NULL;
		lc.target = (uint8_t)strtoul(argv[3], NULL, 0);
		lc.lun = (uint8_t)strtoul(argv[4], NULL, 0);
		lc.blocks = strtoull(argv[5], NULL, 0);
		l = hs_storvsp_lun_add(SV[s].sv, &lc);
		if (l) {
			SV[s].luns[SV[s].nluns].target = lc.target;
			SV[s].luns[SV[s].nluns].lun = lc.lun;
			SV[s].luns[SV[s].nluns++].l = l;
			rc = 0;
		}
	} else if (l && !strcmp(argv[2], "remove") && argc == 5) {
		rc = hs_lun_remove(l);
	} else if (l && !strcmp(argv[2], "resize") && argc == 6) {
		rc = hs_lun_resize(l, strtoull(argv[5], NULL, 0));
	} else if (l && !strcmp(argv[2], "sum") && argc == 5) {
		rc = hs_lun_checksum(l, NULL, hex);
		if (!rc)
			fprintf(f, "%s\n", hex);
	} else if (l && !strcmp(argv[2], "blocks") && argc == 5) {
		fprintf(f, "%llu\n", (unsigned long long)hs_lun_blocks(l));
		rc = 0;
	}
	pthread_mutex_unlock(&sv_lock);
	if (rc) {
		fprintf(f, "error: lun %s %s failed\n", argv[1], argv[2]);
		return;
	}
	if (strcmp(argv[2], "sum") && strcmp(argv[2], "blocks")) {
		event("lun %s %s %s:%s", argv[1], argv[2], argv[3], argv[4]);
		fprintf(f, "ok\n");
	}
}

static void sv_stats_cmd(const char *name, FILE *f)
{
	struct hs_storvsp_stats st;
	int s;

	pthread_mutex_lock(&sv_lock);
	s = sv_find(name);
	if (s >= 0)
		hs_storvsp_stats(SV[s].sv, &st);
	pthread_mutex_unlock(&sv_lock);
	if (s < 0) {
		fprintf(f, "error: no storvsp %s\n", name);
		return;
	}
	fprintf(f, "version=%#x\ninitialized=%d\nsubchannels=%u\nsrbs=%llu\nsrbs_on_subchannels=%llu\n"
		"bad_requests=%llu\nresets=%llu\nenumerates=%llu\n",
		st.version, st.initialized, st.subchannels, (unsigned long long)st.srbs,
		(unsigned long long)st.srbs_on_subchannels, (unsigned long long)st.bad_requests,
		(unsigned long long)st.resets, (unsigned long long)st.enumerates);
}

static void sv_rescind_cmd(const char *name, FILE *f)
{
	int s, rc = -1;

	pthread_mutex_lock(&sv_lock);
	s = sv_find(name);
	if (s >= 0)
		rc = hs_device_rescind(hs_storvsp_device(SV[s].sv));
	pthread_mutex_unlock(&sv_lock);
	if (rc) {
		fprintf(f, "error: no storvsp %s, or rescinded already\n", name);
		return;
	}
	event("storvsp-rescind %s", name);
	fprintf(f, "ok\n");
}

/* 1 when the command was one of ours (answered in f) */
static int storvsp_command(char **argv, unsigned int argc, FILE *f)
{
	if (!strcmp(argv[0], "storvsp") && argc == 5)
		sv_add(argv, f);
	else if (!strcmp(argv[0], "lun") && argc >= 5)
		sv_lun_cmd(argv, argc, f);
	else if (!strcmp(argv[0], "storvsp-stats") && argc == 2)
		sv_stats_cmd(argv[1], f);
	else if (!strcmp(argv[0], "storvsp-rescind") && argc == 2)
		sv_rescind_cmd(argv[1], f);
	else
		return 0;
	return 1;
}
