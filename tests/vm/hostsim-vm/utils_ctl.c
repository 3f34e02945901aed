// SPDX-License-Identifier: GPL-2.0
/*
 * hostsim-vm's integration-component and input control commands (included
 * by hostsim-vm.c, so it shares its state and GUID parser).  Each request
 * waits for the guest's answer (10 s; VSS freeze 60 s) and prints
 * "rc=N status=0x..." and what came back:
 *   ic NAME heartbeat|kvp|shutdown|timesync|vss|fcopy INSTANCE   offer an IC
 *   ic-stats NAME				hs_ic_stats as key=value lines
 *   ic-heartbeat NAME SEQ			seq_out=
 *   ic-timesync NAME UNIXSEC sync|sample	a time sample (ParentTime = UNIXSEC)
 *   ic-kvp-set NAME POOL KEY VALUE		REG_SZ
 *   ic-kvp-get NAME POOL KEY			value=
 *   ic-kvp-enum NAME POOL			key=... value=... per record
 *   ic-vss NAME freeze|thaw|hot-backup	flags=
 *   ic-fcopy NAME HOSTFILE GUESTDIR GUESTNAME	the host file, 6144-byte chunks
 *   ic-shutdown NAME poweroff|reboot		not forced
 *   mouse NAME INSTANCE			offer the synthetic mouse (default descriptor)
 *   mouse-report NAME BUTTONS X Y WHEEL	one input report
 *   mouse-stats NAME
 *   kbd NAME INSTANCE				offer the synthetic keyboard
 *   kbd-key NAME MAKECODE [e0] [up] [unicode]	one keystroke event
 *   kbd-stats NAME
 * Strings cannot hold spaces (commands are split on white space).
 */
#define MAX_UT		12
#define UT_WAIT_MS	10000u

static struct {
	char name[32];
	struct hs_ic *ic;
	struct hs_mouse *mouse;
	struct hs_kbd *kbd;
} UT[MAX_UT];
static unsigned int nut;
static pthread_mutex_t ut_lock = PTHREAD_MUTEX_INITIALIZER;

static int ut_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nut; i++)
		if (!strcmp(UT[i].name, name))
			return (int)i;
	return -1;
}

/* the entry NAME (created when `create`), or -1 with an error printed */
static int ut_slot(const char *name, bool create, FILE *f)
{
	int u;

	pthread_mutex_lock(&ut_lock);
	u = ut_find(name);
	if (create) {
		if (u >= 0 || nut == MAX_UT || strlen(name) >= sizeof(UT[0].name)) {
			u = -1;
			fprintf(f, "error: %s exists, its name is too long, or too many\n", name);
		} else {
			u = (int)nut++;
			snprintf(UT[u].name, sizeof(UT[u].name), "%s", name);
		}
	} else if (u < 0) {
		fprintf(f, "error: no device %s\n", name);
	}
	pthread_mutex_unlock(&ut_lock);
	return u;
}

static struct hs_ic *ut_ic(const char *name, FILE *f)
{
	int u = ut_slot(name, false, f);

	if (u >= 0 && !UT[u].ic) {
		fprintf(f, "error: %s is not an IC\n", name);
		return NULL;
	}
	return u < 0 ? NULL : UT[u].ic;
}

static void ut_add_ic(char **argv, FILE *f)
{
	static const struct { const char *n; enum hs_ic_service s; } svc[] = {
		{ "heartbeat", HS_IC_HEARTBEAT }, { "kvp", HS_IC_KVP }, { "shutdown", HS_IC_SHUTDOWN },
		{ "timesync", HS_IC_TIMESYNC }, { "vss", HS_IC_VSS }, { "fcopy", HS_IC_FCOPY },
	};
	struct hs_ic_config cfg;
	unsigned int i;
	int u;

	memset(&cfg, 0, sizeof(cfg));
	for (i = 0; i < sizeof(svc) / sizeof(svc[0]); i++)
		if (!strcmp(argv[2], svc[i].n))
			cfg.service = svc[i].s;
	if (!cfg.service || parse_guid(argv[3], cfg.instance_guid)) {
		fprintf(f, "error: ic NAME heartbeat|kvp|shutdown|timesync|vss|fcopy INSTANCE\n");
		return;
	}
	u = ut_slot(argv[1], true, f);
	if (u < 0)
		return;
	UT[u].ic = hs_ic_add(S.h, &cfg);
	fprintf(f, UT[u].ic ? "ok\n" : "error: hostsim refused the IC\n");
}

static void ut_ic_stats(struct hs_ic *ic, FILE *f)
{
	struct hs_ic_stats st;

	hs_ic_stats(ic, &st);
	fprintf(f, "open=%d\nnegotiated=%d\nrefused=%d\nframework=%#x\nversion=%#x\n"
		"negotiations=%u\nrequests=%llu\nanswers=%llu\ntimeouts=%llu\nlate=%llu\n"
		"unsolicited=%llu\nprotocol_errors=%llu\nlast_status=%#x\n",
		st.open, st.negotiated, st.refused, st.framework, st.version, st.negotiations,
		(unsigned long long)st.requests, (unsigned long long)st.answers,
		(unsigned long long)st.timeouts, (unsigned long long)st.late,
		(unsigned long long)st.unsolicited, (unsigned long long)st.protocol_errors,
		st.last_status);
}

static void ut_result(FILE *f, int rc, uint32_t status)
{
	fprintf(f, "rc=%d status=0x%08x\n", rc, status);
}

static int ut_pool(const char *s)
{
	char *end;
	long p = strtol(s, &end, 10);

	return *s && !*end && p >= 0 && p <= 4 ? (int)p : -1;
}

static void ut_kvp_enum(struct hs_ic *ic, int pool, FILE *f)
{
	static struct hs_kvp_value v;
	uint32_t status = 0, i;
	int rc = 0;

	for (i = 0; i < 64; i++) {
		memset(&v, 0, sizeof(v));
		rc = hs_ic_kvp_enumerate(ic, (uint8_t)pool, i, &v, &status, UT_WAIT_MS);
		if (rc || status != HS_IC_S_OK)
			break;
		fprintf(f, "key=%s value=%s\n", v.key, v.value);
	}
	ut_result(f, rc, status);
}

static void ut_fcopy(struct hs_ic *ic, char **argv, FILE *f)
{
	uint32_t status = 0;
	long len;
	void *buf;
	FILE *in;
	int rc;

	in = fopen(argv[2], "rb");
	if (!in || fseek(in, 0, SEEK_END) || (len = ftell(in)) < 0 || fseek(in, 0, SEEK_SET)) {
		fprintf(f, "error: cannot read %s\n", argv[2]);
		if (in)
			fclose(in);
		return;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, in) != (size_t)len) {
		fprintf(f, "error: cannot read %s\n", argv[2]);
		free(buf);
		fclose(in);
		return;
	}
	fclose(in);
	rc = hs_ic_fcopy_file(ic, argv[4], argv[3], HS_FCOPY_CREATE_PATH, buf, (uint64_t)len, 0,
			      &status, UT_WAIT_MS);
	free(buf);
	ut_result(f, rc, status);
}

static void ut_ic_cmd(char **argv, unsigned int argc, FILE *f)
{
	static struct hs_kvp_value v;
	struct hs_ic *ic = ut_ic(argv[1], f);
	uint32_t status = 0, flags = 0;
	uint64_t seq = 0;
	int rc, pool;

	if (!ic)
		return;
	if (!strcmp(argv[0], "ic-stats") && argc == 2) {
		ut_ic_stats(ic, f);
	} else if (!strcmp(argv[0], "ic-heartbeat") && argc == 3) {
		rc = hs_ic_heartbeat(ic, strtoull(argv[2], NULL, 0), &seq, &status, UT_WAIT_MS);
		ut_result(f, rc, status);
		fprintf(f, "seq_out=%llu\n", (unsigned long long)seq);
	} else if (!strcmp(argv[0], "ic-timesync") && argc == 4) {
		struct hs_ic_time t = { .unix_sec = strtoll(argv[2], NULL, 0) };

		t.flags = !strcmp(argv[3], "sync") ? HS_TIMESYNC_SYNC : HS_TIMESYNC_SAMPLE;
		rc = hs_ic_timesync(ic, &t, &status, UT_WAIT_MS);
		ut_result(f, rc, status);
	} else if (!strcmp(argv[0], "ic-kvp-set") && argc == 5 && (pool = ut_pool(argv[2])) >= 0) {
		rc = hs_ic_kvp_set(ic, (uint8_t)pool, argv[3], argv[4], &status, UT_WAIT_MS);
		ut_result(f, rc, status);
	} else if (!strcmp(argv[0], "ic-kvp-get") && argc == 4 && (pool = ut_pool(argv[2])) >= 0) {
		memset(&v, 0, sizeof(v));
		rc = hs_ic_kvp_get(ic, (uint8_t)pool, argv[3], &v, &status, UT_WAIT_MS);
		ut_result(f, rc, status);
		fprintf(f, "value=%s\n", v.value);
	} else if (!strcmp(argv[0], "ic-kvp-enum") && argc == 3 && (pool = ut_pool(argv[2])) >= 0) {
		ut_kvp_enum(ic, pool, f);
	} else if (!strcmp(argv[0], "ic-vss") && argc == 3) {
		uint8_t op = !strcmp(argv[2], "freeze") ? HS_VSS_FREEZE :
			     !strcmp(argv[2], "thaw") ? HS_VSS_THAW : HS_VSS_HOT_BACKUP;

		rc = hs_ic_vss(ic, op, 0, &status, &flags, op == HS_VSS_FREEZE ? 60000 : UT_WAIT_MS);
		ut_result(f, rc, status);
		fprintf(f, "flags=%#x\n", flags);
	} else if (!strcmp(argv[0], "ic-fcopy") && argc == 5) {
		ut_fcopy(ic, argv, f);
	} else if (!strcmp(argv[0], "ic-shutdown") && argc == 3) {
		flags = !strcmp(argv[2], "reboot") ? HS_SHUTDOWN_RESTART : 0;
		rc = hs_ic_shutdown(ic, flags, 0, 0, "lis vm rung", &status, UT_WAIT_MS);
		ut_result(f, rc, status);
	} else {
		fprintf(f, "error: unknown IC command or arguments: %s\n", argv[0]);
	}
}

static void ut_add_input(char **argv, bool mouse, FILE *f)
{
	uint8_t guid[16];
	int u;

	if (parse_guid(argv[2], guid)) {
		fprintf(f, "error: %s NAME INSTANCE\n", argv[0]);
		return;
	}
	u = ut_slot(argv[1], true, f);
	if (u < 0)
		return;
	if (mouse) {
		struct hs_mouse_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		memcpy(cfg.instance_guid, guid, 16);
		UT[u].mouse = hs_mouse_add(S.h, &cfg);
	} else {
		struct hs_kbd_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		memcpy(cfg.instance_guid, guid, 16);
		UT[u].kbd = hs_kbd_add(S.h, &cfg);
	}
	fprintf(f, UT[u].mouse || UT[u].kbd ? "ok\n" : "error: hostsim refused the device\n");
}

static void ut_input_cmd(char **argv, unsigned int argc, FILE *f)
{
	int u = ut_slot(argv[1], false, f);
	unsigned int i;

	if (u < 0)
		return;
	if (!strcmp(argv[0], "mouse-report") && argc == 6 && UT[u].mouse) {
		fprintf(f, "rc=%d\n", hs_mouse_report(UT[u].mouse, (uint8_t)strtoul(argv[2], NULL, 0),
						      (uint16_t)strtoul(argv[3], NULL, 0),
						      (uint16_t)strtoul(argv[4], NULL, 0),
						      (int16_t)strtol(argv[5], NULL, 0)));
	} else if (!strcmp(argv[0], "mouse-stats") && argc == 2 && UT[u].mouse) {
		struct hs_mouse_stats st;

		hs_mouse_stats(UT[u].mouse, &st);
		fprintf(f, "open=%d\nversion_requested=%#x\napproved=%d\nacked=%d\nreports=%llu\n"
			"protocol_errors=%llu\n", st.open, st.version_requested, st.approved, st.acked,
			(unsigned long long)st.reports, (unsigned long long)st.protocol_errors);
	} else if (!strcmp(argv[0], "kbd-key") && argc >= 3 && UT[u].kbd) {
		uint32_t flags = 0;

		for (i = 3; i < argc; i++)
			flags |= !strcmp(argv[i], "e0") ? HS_KBD_E0 : !strcmp(argv[i], "up") ? HS_KBD_BREAK :
				 !strcmp(argv[i], "unicode") ? HS_KBD_UNICODE : 0;
		fprintf(f, "rc=%d\n", hs_kbd_key(UT[u].kbd, (uint16_t)strtoul(argv[2], NULL, 0), flags));
	} else if (!strcmp(argv[0], "kbd-stats") && argc == 2 && UT[u].kbd) {
		struct hs_kbd_stats st;

		hs_kbd_stats(UT[u].kbd, &st);
		fprintf(f, "open=%d\nversion_requested=%#x\naccepted=%d\nevents=%llu\nleds=%#x\n"
			"protocol_errors=%llu\n", st.open, st.version_requested, st.accepted,
			(unsigned long long)st.events, st.leds, (unsigned long long)st.protocol_errors);
	} else {
		fprintf(f, "error: unknown input command or arguments: %s\n", argv[0]);
	}
}

static int utils_command(char **argv, unsigned int argc, FILE *f)
{
	if (!strcmp(argv[0], "ic") && argc == 4)
		ut_add_ic(argv, f);
	else if (!strncmp(argv[0], "ic-", 3) && argc >= 2)
		ut_ic_cmd(argv, argc, f);
	else if ((!strcmp(argv[0], "mouse") || !strcmp(argv[0], "kbd")) && argc == 3)
		ut_add_input(argv, argv[0][0] == 'm', f);
	else if ((!strncmp(argv[0], "mouse-", 6) || !strncmp(argv[0], "kbd-", 4)) && argc >= 2)
		ut_input_cmd(argv, argc, f);
	else
		return 0;
	return 1;
}
