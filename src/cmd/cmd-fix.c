/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "exitcode.h"
#include "fix.h"
#include "guard.h"
#include "msg.h"
#include "policy.h"
#include "target.h"

const char cmd_fix_help[] =
	"Usage: nfscheck fix --graphroot PATH [--runroot PATH] [--user NAME] [--force]\n"
	"                    [--tmpfiles] [--timeout SECONDS] [--dry-run]\n"
	"       nfscheck fix --system --graphroot-template TEMPLATE [--dry-run]\n"
	"       nfscheck fix --image FILE --size SIZE [--mountpoint DIR] [--user NAME]\n"
	"                    [--persist] [--move-aside] [--no-diagnose]\n"
	"                    [--timeout SECONDS] [--dry-run]\n"
	"       nfscheck fix [--user NAME] [--policy FILE] [--dry-run]\n"
	"       nfscheck fix --undo [--image FILE] [--mountpoint DIR] [--user NAME]\n"
	"                    [--keep-unit]\n"
	"\n"
	"Move rootless Podman's storage off a network filesystem.\n"
	"\n"
	"--graphroot edits the storage.conf Podman reads for the user (only the\n"
	"graphroot line changes; a new file keeps what a file configured for the\n"
	"user), atomically and with a backup, creates the directory, and runs the\n"
	"diagnose checks, whose exit status it returns.\n"
	"--system sets the graphroot of every rootless user (root). --image makes\n"
	"an XFS image with reflink in FILE, in the user's name, and mounts it on the\n"
	"user's ~/.local/share/containers (root), once Podman's graphroot for the\n"
	"user lies inside it; --undo unmounts it again.\n"
	"\n"
	"Options:\n"
	"      --graphroot PATH     the new graphroot ($USER, $UID and $HOME are expanded\n"
	"                           as Podman does)\n"
	"      --runroot PATH       also move the runroot\n"
	"      --system             edit the site-wide setting (root)\n"
	"      --graphroot-template TEMPLATE\n"
	"                           with --system: the graphroot of each user, such as\n"
	"                           '/var/tmp/$USER/containers/storage'\n"
	"      --image FILE         the image file to create or attach, inside the\n"
	"                           user's home (root)\n"
	"      --size SIZE          its size, such as 20G (K, M, G, T)\n"
	"      --mountpoint DIR     where to mount it: the user's own directory in\n"
	"                           their home, reached without a symbolic link\n"
	"                           (default: ~/.local/share/containers)\n"
	"      --persist            re-attach it at boot with a systemd unit\n"
	"      --move-aside         rename what is in the mountpoint instead of refusing\n"
	"                           (--undo puts it back)\n"
	"      --undo               unmount and detach the image, remove the unit, put\n"
	"                           back what --move-aside moved\n"
	"      --keep-unit          with --undo: leave the systemd unit (its own ExecStop)\n"
	"      --no-diagnose        with --image: attach only, no closing diagnose (the\n"
	"                           --persist unit at boot, before the user logs in)\n"
	"  -u, --user NAME          fix user NAME's storage (root only)\n"
	"      --force              accept a graphroot on a network filesystem\n"
	"      --tmpfiles           exclude a graphroot in /tmp or /var/tmp from\n"
	"                           systemd-tmpfiles ageing (root)\n"
	"  -t, --timeout SECONDS    the closing diagnose finishes within SECONDS\n"
	"                           (default 15), even on a hung network mount\n"
	"      --podman-version X.Y model this Podman release instead of the installed one\n"
	"      --policy FILE        the site policy whose remedy to apply when no mode\n"
	"                           is given (default /etc/nfscheck.conf)\n"
	"  -n, --dry-run            show what would change, change nothing\n"
	"  -h, --help               show this help and exit\n"
	"\n"
	"Exit status: 0 done and the checks pass, 1 refused or problems remain,\n"
	"2 nfscheck could not complete, 64 usage error, 77 a privilege is missing.\n";

static int run_mode(const struct fix_options *o)
{
	guard_catch_signals();
	if (o->system)
		return fix_system(o);
	if (o->undo)
		return fix_image_undo(o);
	if (o->image)
		return fix_image(o);
	return fix_graphroot(o);
}

/* The site policy's remedy as fix options: *PATH is the expanded path. */
static int site_remedy(struct fix_options *o, const char *file, struct policy *pol, char **path)
{
	struct identity id;
	int err;

	if (policy_load(file ? file : POLICY_FILE, file != NULL, pol) != 0)
		return NF_EXIT_INCOMPLETE;
	if (!pol->file)
		return nf_usage_error("fix", "fix: give exactly one of --graphroot, --system, --image and --undo "
				      "(or a site policy in %s)", POLICY_FILE);
	if (pol->remedy == POLICY_REMEDY_NONE)
		return nf_usage_error("fix", "fix: %s has no [remedy] method: give --graphroot, --system, --image "
				      "or --undo", pol->file);
	err = o->user ? identity_lookup(o->user, &id) : identity_from_uid(getuid(), &id);
	if (err) {
		nf_error("%s: %s", o->user ? o->user : "this user", err == ENOENT ? "no such user" : strerror(err));
		return NF_EXIT_INCOMPLETE;
	}
	*path = policy_expand(pol->remedy == POLICY_REMEDY_IMAGE ? pol->image : pol->graphroot, id.name, id.uid,
			      id.home ? id.home : "");
	identity_free(&id);
	if (!*path)
		return NF_EXIT_INCOMPLETE;
	printf("nfscheck fix: the site policy %s: %s %s\n", pol->file, policy_remedy_name(pol->remedy), *path);
	if (pol->remedy == POLICY_REMEDY_IMAGE) {
		o->image = *path;
		o->size = pol->image_size;
	} else {
		o->graphroot = *path;
		o->tmpfiles = pol->tmpfiles == 1;
	}
	return NF_EXIT_OK;
}

static int mode_usage(const struct fix_options *o, int modes)
{
	const struct nf_option_rule rules[] = {
		{modes != 1, "give exactly one of --graphroot, --system, --image and --undo"},
		{o->system && !o->template, "--system needs --graphroot-template"},
		{!o->system && o->template, "--graphroot-template goes with --system"},
		{o->image && !o->undo && !o->size, "--image needs --size"},
		{o->keep_unit && !o->undo, "--keep-unit goes with --undo"},
		{o->no_diagnose && (!o->image || o->undo), "--no-diagnose goes with --image"},
		{(o->persist || o->move_aside) && !o->image, "--persist and --move-aside go with --image"},
		{o->runroot && !o->graphroot, "--runroot goes with --graphroot"},
		{(o->force || o->tmpfiles) && !o->graphroot, "--force and --tmpfiles go with --graphroot"},
	};

	return nf_option_rules("fix", rules, ARRAY_SIZE(rules));
}

int cmd_fix(int argc, char **argv)
{
	enum {
		OPT_GRAPHROOT = 256, OPT_RUNROOT, OPT_SYSTEM, OPT_TEMPLATE, OPT_IMAGE, OPT_SIZE, OPT_MOUNTPOINT,
		OPT_PERSIST, OPT_MOVE_ASIDE, OPT_UNDO, OPT_KEEP_UNIT, OPT_FORCE, OPT_TMPFILES, OPT_PODMAN_VERSION,
		OPT_POLICY, OPT_NO_DIAGNOSE,
	};
	static const struct option opts[] = {
		{"graphroot", required_argument, NULL, OPT_GRAPHROOT},
		{"runroot", required_argument, NULL, OPT_RUNROOT},
		{"system", no_argument, NULL, OPT_SYSTEM},
		{"graphroot-template", required_argument, NULL, OPT_TEMPLATE},
		{"image", required_argument, NULL, OPT_IMAGE},
		{"size", required_argument, NULL, OPT_SIZE},
		{"mountpoint", required_argument, NULL, OPT_MOUNTPOINT},
		{"persist", no_argument, NULL, OPT_PERSIST},
		{"move-aside", no_argument, NULL, OPT_MOVE_ASIDE},
		{"undo", no_argument, NULL, OPT_UNDO},
		{"keep-unit", no_argument, NULL, OPT_KEEP_UNIT},
		{"no-diagnose", no_argument, NULL, OPT_NO_DIAGNOSE},
		{"user", required_argument, NULL, 'u'},
		{"force", no_argument, NULL, OPT_FORCE},
		{"tmpfiles", no_argument, NULL, OPT_TMPFILES},
		{"podman-version", required_argument, NULL, OPT_PODMAN_VERSION},
		{"policy", required_argument, NULL, OPT_POLICY},
		{"timeout", required_argument, NULL, 't'},
		{"dry-run", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct fix_options o = {.timeout_ms = DIAG_DEFAULT_TIMEOUT_MS};
	const char *policy_file = NULL;
	struct policy pol = {0};
	char *site = NULL;
	int c, modes, st;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:t:nh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_GRAPHROOT: o.graphroot = optarg; break;
		case OPT_RUNROOT: o.runroot = optarg; break;
		case OPT_SYSTEM: o.system = true; break;
		case OPT_TEMPLATE: o.template = optarg; break;
		case OPT_IMAGE: o.image = optarg; break;
		case OPT_SIZE: o.size = optarg; break;
		case OPT_MOUNTPOINT: o.mountpoint = optarg; break;
		case OPT_PERSIST: o.persist = true; break;
		case OPT_MOVE_ASIDE: o.move_aside = true; break;
		case OPT_UNDO: o.undo = true; break;
		case OPT_KEEP_UNIT: o.keep_unit = true; break;
		case OPT_NO_DIAGNOSE: o.no_diagnose = true; break;
		case 'u': o.user = optarg; break;
		case OPT_FORCE: o.force = true; break;
		case OPT_TMPFILES: o.tmpfiles = true; break;
		case OPT_PODMAN_VERSION:
			if (target_check_podman_version("fix", optarg) != NF_EXIT_OK)
				return NF_EXIT_USAGE;
			o.podman_version = optarg;
			break;
		case OPT_POLICY: policy_file = optarg; break;
		case 't':
			if ((st = nf_timeout_option("fix", optarg, &o.timeout_ms)) != NF_EXIT_OK)
				return st;
			break;
		case 'n': o.dry_run = true; break;
		case 'h':
			fputs(cmd_fix_help, stdout);
			return NF_EXIT_OK;
		default:
			return nf_option_error("fix", c, argv, opts);
		}
	}
	if (optind < argc)
		return nf_usage_error("fix", "fix: unexpected argument '%s'", argv[optind]);
	modes = (o.graphroot && !o.system) + o.system + (o.image && !o.undo) + o.undo;
	/* No mode given: the site policy's remedy, the onboarding step. */
	if (modes == 0 && !o.runroot && !o.size && !o.template) {
		st = site_remedy(&o, policy_file, &pol, &site);
		if (st == NF_EXIT_OK)
			st = run_mode(&o);
		free(site);
		policy_free(&pol);
		return st;
	}
	if (policy_file)
		return nf_usage_error("fix", "fix: --policy applies the site's remedy: give no --graphroot, --system, "
				      "--image or --undo with it");
	if ((st = mode_usage(&o, modes)) != NF_EXIT_OK)
		return st;
	return run_mode(&o);
}
