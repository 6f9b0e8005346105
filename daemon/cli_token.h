/*
 * cli_token.h - `vexild token`: tokens managed on the host, against the
 * database file, without the network. This is the break-glass path: when
 * no admin token works any more (lost, or revoked before the daemon
 * refused to revoke the last one), whoever can write the database file
 * adds one. It needs shell access on the host, not the HTTP API.
 *
 *   vexild token create --admin --name NAME [serve's settings]
 *   vexild token list [serve's settings]
 *
 * The settings that locate the database are read exactly as `vexild`
 * (serve) reads them: --config FILE / VEXIL_CONFIG, --database PATH /
 * VEXIL_DATABASE, --data-dir DIR / VEXIL_DATA_DIR; every other serve
 * option is accepted and has no effect here.
 *
 * create works on the database directly, also while vexild runs (WAL; it
 * waits up to 5 s for a write in progress): one transaction adds the admin
 * token, its audit entry (action token.create, actor "break-glass (uid N
 * on HOST)") and a new revision. A running vexild notices the commit
 * within a second (service_housekeep.c) and accepts the token from then
 * on. The secret is printed once, alone on stdout (so that
 * TOKEN=$(vexild token create ...) works); what was done goes to stderr.
 * It refuses a missing or empty database file (start vexild once first):
 * it never creates a database.
 *
 * list prints every token, one per line: id, role, environment, state,
 * created and last used (UTC; the daemon writes the last use once per
 * last_used_interval), name. Never a secret or a hash.
 *
 * Exit 0 on success, 1 when the database refuses, 2 on a usage error.
 */
#ifndef VX_CLI_TOKEN_H
#define VX_CLI_TOKEN_H

#include <stdio.h>

/* argv[0] is "token"; envp the environment (VEXIL_* settings). Writes the
 * secret or the list to out and messages to errs. */
int vx_cli_token(int argc, char **argv, char *const *envp, FILE *out,
                 FILE *errs);

#endif
