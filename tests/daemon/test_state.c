/*
 * Flag definitions in memory (daemon/state.c): importing Unleash's client
 * state format, which checks the whole document before it changes
 * anything, and building snapshots incrementally, sharing the flags that
 * did not change. Runs on the real built-in plugins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "eval.h"
#include "log.h"
#include "plugin_host.h"
#include "state.h"
#include "vx_test.h"

static vx_plugin_host *plugins;

static int suite_init(void) {
  vx_log_set_level(VX_LOG_ERROR);
  plugins = vx_plugin_host_new();
  if (plugins == NULL)
    return -1;
  return vx_plugin_host_load_dir(plugins, getenv("VX_PLUGIN_DIR")) > 0 &&
                 vx_plugin_host_find(plugins, "userWithId") != NULL
             ? 0
             : -1;
}

static int suite_clean(void) {
  vx_plugin_host_free(plugins);
  return 0;
}

static json_t *parse(const char *text) {
  json_error_t jerr;
  json_t *doc = json_loads(text, 0, &jerr);
  if (doc == NULL)
    fprintf(stderr, "bad test JSON: %s at %d:%d\n", jerr.text, jerr.line,
            jerr.column);
  CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
  return doc;
}

static int import(vx_state *st, const char *text, const char *env,
                  vx_import_mode mode, char *err, size_t errlen) {
  json_t *doc = parse(text);
  int rc = vx_state_import_unleash(st, doc, env, mode, err, errlen);
  json_decref(doc);
  return rc;
}

/* Imports text, which must be accepted. */
static void import_ok(vx_state *st, const char *text, const char *env,
                      vx_import_mode mode) {
  char err[512] = "";
  int rc = import(st, text, env, mode, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "import refused: %s\n", err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
}

/* The whole state as text, to prove that nothing changed. */
static char *dump_state(const vx_state *st) {
  json_t *all = json_pack("{s:O, s:O, s:I}", "envs", st->envs, "segments",
                          st->segments, "revision", (json_int_t)st->revision);
  char *text = json_dumps(all, JSON_SORT_KEYS | JSON_COMPACT);
  json_decref(all);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  return text;
}

static json_t *state_flag(const vx_state *st, const char *env,
                          const char *key) {
  return json_object_get(json_object_get(st->envs, env), key);
}

static size_t env_size(const vx_state *st, const char *env) {
  return json_object_size(json_object_get(st->envs, env));
}

static const char *baseline =
    "{\"version\": 2, \"features\": ["
    " {\"name\": \"a\", \"enabled\": true, \"strategies\": ["
    "   {\"name\": \"default\", \"segments\": [1]}]},"
    " {\"name\": \"b\", \"enabled\": false, \"strategies\": []}],"
    " \"segments\": [{\"id\": 1, \"name\": \"nordics\", \"constraints\": ["
    "   {\"contextName\": \"country\", \"operator\": \"IN\","
    "    \"values\": [\"NO\", \"SE\"]}]}]}";

/* ------------------------------------------------------- shape errors */

typedef struct shape_case {
  const char *doc;
  const char *place; /* err must contain this */
} shape_case;

static const shape_case shape_cases[] = {
    {"[]", "object"},
    {"{\"features\": {}}", "\"features\" must be an array"},
    {"{\"segments\": []}", "\"features\" must be an array"},
    {"{\"features\": [{\"name\": \"ok\"}, 3]}",
     "features[1] must be an object"},
    {"{\"features\": [{\"name\": \"ok\"}, {\"enabled\": true}]}",
     "features[1].name must be a non-empty string"},
    {"{\"features\": [{\"name\": \"\"}]}",
     "features[0].name must be a non-empty string"},
    {"{\"features\": [{\"name\": 7}]}", "features[0].name"},
    {"{\"features\": [{\"name\": \"x\", \"enabled\": \"yes\"}]}",
     "features[0].enabled"},
    {"{\"features\": [{\"name\": \"x\", \"enabled\": 1}]}",
     "features[0].enabled"},
    {"{\"features\": [{\"name\": \"ok\"},"
     " {\"name\": \"x\", \"strategies\": {}}]}",
     "features[1].strategies must be an array"},
    {"{\"features\": [{\"name\": \"x\", \"strategies\": ["
     " {\"name\": \"default\"}, {\"parameters\": {}}]}]}",
     "features[0].strategies[1]"},
    {"{\"features\": [{\"name\": \"x\", \"strategies\": [{\"name\": 5}]}]}",
     "features[0].strategies[0]"},
    {"{\"features\": [{\"name\": \"x\", \"strategies\": [\"default\"]}]}",
     "features[0].strategies[0]"},
    {"{\"features\": [{\"name\": \"x\", \"strategies\": ["
     " {\"name\": \"default\", \"parameters\": [\"rollout\"]}]}]}",
     "features[0].strategies[0].parameters must be an object"},
    {"{\"features\": [{\"name\": \"x\", \"strategies\": ["
     " {\"name\": \"default\", \"constraints\": {}}]}]}",
     "features[0].strategies[0].constraints must be an array"},
    {"{\"features\": [{\"name\": \"x\", \"strategies\": ["
     " {\"name\": \"default\"},"
     " {\"name\": \"default\", \"segments\": 1}]}]}",
     "features[0].strategies[1].segments must be an array"},
    {"{\"features\": [{\"name\": \"x\", \"variants\": {}}]}",
     "features[0].variants must be an array"},
    {"{\"features\": [{\"name\": \"x\", \"dependencies\": \"y\"}]}",
     "features[0].dependencies must be an array"},
    {"{\"features\": [{\"name\": \"x\"}], \"segments\": {}}",
     "\"segments\" must be an array"},
    {"{\"features\": [{\"name\": \"x\"}], \"segments\": ["
     " {\"id\": 1, \"constraints\": []}, {\"name\": \"no id\"}]}",
     "segments[1].id"},
    {"{\"features\": [], \"segments\": [{\"id\": true}]}", "segments[0].id"},
    {"{\"features\": [], \"segments\": [{\"id\": \"\"}]}", "segments[0].id"},
    {"{\"features\": [], \"segments\": [7]}", "segments[0] must be an object"},
    {"{\"features\": [], \"segments\": [{\"id\": 2, \"constraints\": {}}]}",
     "segments[0].constraints must be an array"},
    {"{\"features\": [{\"name\": \"x\"}, {\"name\": \"y\"},"
     " {\"name\": \"x\"}]}",
     "duplicate feature \"x\" at features[2]"},
};

static void test_every_shape_error_names_its_place_and_changes_nothing(void) {
  static const char *envs[] = {"production", "staging"};
  static const vx_import_mode modes[] = {VX_IMPORT_REPLACE, VX_IMPORT_MERGE};
  vx_state st;
  CU_ASSERT_EQUAL_FATAL(vx_state_init(&st), 0);
  import_ok(&st, baseline, "production", VX_IMPORT_REPLACE);
  char *before = dump_state(&st);
  uint64_t rev = st.revision;
  for (size_t i = 0; i < sizeof shape_cases / sizeof shape_cases[0]; i++) {
    for (size_t e = 0; e < 2; e++) {
      for (size_t m = 0; m < 2; m++) {
        char err[512] = "";
        int rc =
            import(&st, shape_cases[i].doc, envs[e], modes[m], err, sizeof err);
        if (rc == 0 || strstr(err, shape_cases[i].place) == NULL)
          fprintf(stderr, "\ncase %zu (%s): rc %d, err \"%s\"\n", i,
                  shape_cases[i].doc, rc, err);
        CU_ASSERT(rc < 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, shape_cases[i].place));
        CU_ASSERT_EQUAL(st.revision, rev);
        char *after = dump_state(&st);
        CU_ASSERT_STRING_EQUAL(after, before);
        free(after);
      }
    }
  }
  free(before);
  vx_state_dispose(&st);
}

static void test_duplicate_feature_is_reported_as_already_existing(void) {
  vx_state st;
  vx_state_init(&st);
  char err[256];
  CU_ASSERT_EQUAL(import(&st,
                         "{\"features\": [{\"name\": \"dup\"},"
                         " {\"name\": \"dup\"}]}",
                         "production", VX_IMPORT_MERGE, err, sizeof err),
                  VX_EEXIST);
  CU_ASSERT_EQUAL(st.revision, 0);
  CU_ASSERT_EQUAL(json_object_size(st.envs), 0);
  vx_state_dispose(&st);
}

static void test_optional_fields_may_be_null_or_absent(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st,
            "{\"features\": [{\"name\": \"bare\"},"
            " {\"name\": \"nulls\", \"enabled\": true, \"strategies\": null,"
            "  \"variants\": null, \"dependencies\": null},"
            " {\"name\": \"s\", \"strategies\": [{\"name\": \"default\","
            "  \"parameters\": null, \"constraints\": null,"
            "  \"segments\": null}]}], \"segments\": null}",
            "production", VX_IMPORT_REPLACE);
  CU_ASSERT_EQUAL(env_size(&st, "production"), 3);
  CU_ASSERT_EQUAL(st.revision, 1);
  vx_state_dispose(&st);
}

/* ------------------------------------------------- replace and merge */

static void
test_replace_makes_the_environment_exactly_the_imported_flags(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, baseline, "production", VX_IMPORT_REPLACE);
  CU_ASSERT_EQUAL(env_size(&st, "production"), 2);
  import_ok(&st,
            "{\"features\": [{\"name\": \"c\", \"enabled\": true},"
            " {\"name\": \"b\", \"enabled\": true}]}",
            "production", VX_IMPORT_REPLACE);
  CU_ASSERT_EQUAL(env_size(&st, "production"), 2);
  CU_ASSERT_PTR_NULL(state_flag(&st, "production", "a"));
  CU_ASSERT_TRUE(json_is_true(
      json_object_get(state_flag(&st, "production", "b"), "enabled")));
  CU_ASSERT_PTR_NOT_NULL(state_flag(&st, "production", "c"));
  /* An empty list empties the environment. */
  import_ok(&st, "{\"features\": []}", "production", VX_IMPORT_REPLACE);
  CU_ASSERT_EQUAL(env_size(&st, "production"), 0);
  CU_ASSERT_EQUAL(st.revision, 3);
  vx_state_dispose(&st);
}

static void test_merge_adds_and_replaces_flags_and_keeps_the_others(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, baseline, "production", VX_IMPORT_REPLACE);
  json_t *a_before = state_flag(&st, "production", "a");
  import_ok(&st,
            "{\"features\": [{\"name\": \"b\", \"enabled\": true},"
            " {\"name\": \"d\", \"enabled\": true}]}",
            "production", VX_IMPORT_MERGE);
  CU_ASSERT_EQUAL(env_size(&st, "production"), 3);
  CU_ASSERT_PTR_EQUAL(state_flag(&st, "production", "a"), a_before);
  CU_ASSERT_TRUE(json_is_true(
      json_object_get(state_flag(&st, "production", "b"), "enabled")));
  CU_ASSERT_PTR_NOT_NULL(state_flag(&st, "production", "d"));
  CU_ASSERT_EQUAL(st.revision, 2);
  vx_state_dispose(&st);
}

static void test_merge_into_a_new_environment_creates_it(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, "{\"features\": [{\"name\": \"n\"}]}", "fresh",
            VX_IMPORT_MERGE);
  CU_ASSERT_EQUAL(env_size(&st, "fresh"), 1);
  vx_state_dispose(&st);
}

static void test_import_into_one_environment_leaves_the_others_alone(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, baseline, "production", VX_IMPORT_REPLACE);
  char *prod =
      json_dumps(json_object_get(st.envs, "production"), JSON_SORT_KEYS);
  import_ok(&st, "{\"features\": [{\"name\": \"a\", \"enabled\": false}]}",
            "staging", VX_IMPORT_REPLACE);
  import_ok(&st, "{\"features\": []}", "staging", VX_IMPORT_REPLACE);
  char *prod_after =
      json_dumps(json_object_get(st.envs, "production"), JSON_SORT_KEYS);
  CU_ASSERT_STRING_EQUAL(prod_after, prod);
  CU_ASSERT_EQUAL(json_object_size(st.envs), 2);
  free(prod);
  free(prod_after);
  vx_state_dispose(&st);
}

static void test_import_keeps_a_copy_not_the_callers_document(void) {
  vx_state st;
  vx_state_init(&st);
  json_t *doc = parse("{\"features\": [{\"name\": \"c\", \"enabled\": true}]}");
  char err[256];
  CU_ASSERT_EQUAL_FATAL(vx_state_import_unleash(&st, doc, "production",
                                                VX_IMPORT_REPLACE, err,
                                                sizeof err),
                        0);
  json_object_set_new(json_array_get(json_object_get(doc, "features"), 0),
                      "enabled", json_false());
  json_decref(doc);
  CU_ASSERT_TRUE(json_is_true(
      json_object_get(state_flag(&st, "production", "c"), "enabled")));
  vx_state_dispose(&st);
}

static void test_segments_are_global_and_replaced_by_id(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st,
            "{\"features\": [], \"segments\": ["
            " {\"id\": 1, \"name\": \"one\", \"constraints\": []},"
            " {\"id\": \"beta\", \"name\": \"beta testers\"}]}",
            "production", VX_IMPORT_REPLACE);
  CU_ASSERT_EQUAL(json_object_size(st.segments), 2);
  /* Another environment, replace mode: segment 1 is replaced, "beta" is
   * not in the import and stays, 2 is added. */
  import_ok(&st,
            "{\"features\": [], \"segments\": ["
            " {\"id\": 1, \"name\": \"uno\", \"constraints\": ["
            "  {\"contextName\": \"country\", \"operator\": \"IN\","
            "   \"values\": [\"IT\"]}]},"
            " {\"id\": 2, \"name\": \"two\"}]}",
            "staging", VX_IMPORT_REPLACE);
  CU_ASSERT_EQUAL(json_object_size(st.segments), 3);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                             json_object_get(st.segments, "1"), "name")),
                         "uno");
  CU_ASSERT_EQUAL(json_array_size(json_object_get(
                      json_object_get(st.segments, "1"), "constraints")),
                  1);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
                             json_object_get(st.segments, "beta"), "name")),
                         "beta testers");
  CU_ASSERT_PTR_NOT_NULL(json_object_get(st.segments, "2"));
  vx_state_dispose(&st);
}

/* ------------------------------------------------------------- files */

static char *write_temp(const char *content) {
  char *path = strdup("/tmp/vexil-test-state-XXXXXX");
  int fd = mkstemp(path);
  CU_ASSERT_FATAL(fd >= 0);
  size_t len = strlen(content);
  CU_ASSERT_FATAL(write(fd, content, len) == (ssize_t)len);
  close(fd);
  return path;
}

static void test_malformed_file_error_names_file_line_and_column(void) {
  char *path = write_temp("{\n"
                          "  \"features\": [\n"
                          "    {\"name\": \"a\",}\n"
                          "  ]\n"
                          "}\n");
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, baseline, "production", VX_IMPORT_REPLACE);
  char *before = dump_state(&st);
  char err[512] = "";
  int rc = vx_state_import_unleash_file(&st, path, "production",
                                        VX_IMPORT_REPLACE, err, sizeof err);
  CU_ASSERT_EQUAL(rc, VX_EPARSE);
  char prefix[256];
  snprintf(prefix, sizeof prefix, "%s:3:", path);
  CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
  int column = atoi(err + strlen(prefix));
  CU_ASSERT(column >= 17 && column <= 20); /* at the '}' after the comma */
  char *after = dump_state(&st);
  CU_ASSERT_STRING_EQUAL(after, before);
  free(before);
  free(after);
  vx_state_dispose(&st);
  unlink(path);
  free(path);
}

static void test_duplicate_json_keys_in_a_file_are_refused(void) {
  char *path = write_temp("{\"features\": [],\n \"features\": []}");
  vx_state st;
  vx_state_init(&st);
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_state_import_unleash_file(&st, path, "production",
                                               VX_IMPORT_REPLACE, err,
                                               sizeof err),
                  VX_EPARSE);
  char prefix[256];
  snprintf(prefix, sizeof prefix, "%s:2:", path);
  CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
  CU_ASSERT_EQUAL(st.revision, 0);
  vx_state_dispose(&st);
  unlink(path);
  free(path);
}

static void test_shape_error_in_a_file_names_the_file_and_the_place(void) {
  char *path = write_temp("{\"features\": [{\"name\": \"ok\"}, {}]}");
  vx_state st;
  vx_state_init(&st);
  char err[512] = "";
  CU_ASSERT(vx_state_import_unleash_file(&st, path, "production",
                                         VX_IMPORT_REPLACE, err,
                                         sizeof err) < 0);
  CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "features[1].name"));
  CU_ASSERT_EQUAL(st.revision, 0);
  CU_ASSERT_EQUAL(json_object_size(st.envs), 0);
  vx_state_dispose(&st);
  unlink(path);
  free(path);
}

static void test_missing_file_is_an_io_error_naming_the_file(void) {
  const char *path = "/nonexistent/vexil/state.json";
  vx_state st;
  vx_state_init(&st);
  char err[512] = "";
  int rc = vx_state_import_unleash_file(&st, path, "production",
                                        VX_IMPORT_REPLACE, err, sizeof err);
  CU_ASSERT_EQUAL(rc, VX_EIO);
  CU_ASSERT_EQUAL(strncmp(err, path, strlen(path)), 0);
  CU_ASSERT_PTR_NULL(strstr(err, "-1")); /* no made-up line and column */
  CU_ASSERT_EQUAL(st.revision, 0);
  vx_state_dispose(&st);
}

static void test_well_formed_file_is_imported(void) {
  char *path = write_temp(baseline);
  vx_state st;
  vx_state_init(&st);
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_state_import_unleash_file(&st, path, "production",
                                               VX_IMPORT_REPLACE, err,
                                               sizeof err),
                  0);
  CU_ASSERT_EQUAL(env_size(&st, "production"), 2);
  CU_ASSERT_PTR_NOT_NULL(json_object_get(st.segments, "1"));
  CU_ASSERT_EQUAL(st.revision, 1);
  vx_state_dispose(&st);
  unlink(path);
  free(path);
}

/* ------------------------------------------------- snapshot builds */

static vx_snapshot *build(const vx_state *st, const vx_snapshot *prev,
                          vx_plugin_host *host) {
  vx_snapshot *s = NULL;
  char err[512] = "";
  int rc = vx_snapshot_build(st, prev, host, 0, &s, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "build failed: %s\n", err);
  CU_ASSERT_EQUAL_FATAL(rc, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  return s;
}

static const vx_flag *flag_in(const vx_snapshot *s, const char *env,
                              const char *key) {
  const vx_env *e = vx_snapshot_env(s, env);
  return e != NULL ? vx_env_find(e, key, strlen(key)) : NULL;
}

/* Whether key is on in env of s for a context given as JSON. */
static bool on(const vx_snapshot *s, const char *env, const char *key,
               const char *context) {
  json_t *obj = parse(context);
  vx_context_json ctx;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(vx_context_from_json(obj, &ctx, err, sizeof err), 0);
  vx_decision d;
  int rc = vx_evaluate(vx_snapshot_env(s, env), key, strlen(key), &ctx.ctx, &d);
  vx_context_json_dispose(&ctx);
  json_decref(obj);
  CU_ASSERT_EQUAL(rc, 0);
  return d.enabled;
}

static const char *flags_ab =
    "{\"features\": ["
    " {\"name\": \"a\", \"enabled\": true, \"strategies\": ["
    "   {\"name\": \"userWithId\", \"parameters\": {\"userIds\": \"ann\"}}]},"
    " {\"name\": \"b\", \"enabled\": true, \"strategies\": ["
    "   {\"name\": \"userWithId\", \"parameters\": {\"userIds\": \"bob\"}}]},"
    " {\"name\": \"seg\", \"enabled\": true, \"strategies\": ["
    "   {\"name\": \"default\", \"segments\": [1]}]}],"
    " \"segments\": [{\"id\": 1, \"constraints\": ["
    "   {\"contextName\": \"country\", \"operator\": \"IN\","
    "    \"values\": [\"NO\"]}]}]}";

static void test_build_compiles_every_flag_at_the_state_revision(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, flags_ab, "production", VX_IMPORT_REPLACE);
  import_ok(&st, "{\"features\": [{\"name\": \"a\", \"enabled\": true}]}",
            "development", VX_IMPORT_REPLACE);
  vx_snapshot *s = build(&st, NULL, plugins);
  CU_ASSERT_EQUAL(s->revision, st.revision);
  CU_ASSERT_EQUAL(s->n_envs, 2);
  CU_ASSERT_EQUAL(vx_snapshot_env(s, "production")->count, 3);
  CU_ASSERT_EQUAL(vx_snapshot_env(s, "development")->count, 1);
  CU_ASSERT_TRUE(on(s, "production", "a", "{\"userId\": \"ann\"}"));
  CU_ASSERT_FALSE(on(s, "production", "a", "{\"userId\": \"bob\"}"));
  CU_ASSERT_TRUE(
      on(s, "production", "seg", "{\"properties\": {\"country\": \"NO\"}}"));
  CU_ASSERT_FALSE(
      on(s, "production", "seg", "{\"properties\": {\"country\": \"SE\"}}"));
  vx_snapshot_free(s);
  vx_state_dispose(&st);
}

static void test_unchanged_flag_is_shared_with_the_previous_snapshot(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, flags_ab, "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, plugins);
  /* The same definitions imported again are equal copies, not the same
   * objects: still shared. */
  import_ok(&st, flags_ab, "production", VX_IMPORT_REPLACE);
  vx_snapshot *s2 = build(&st, s1, plugins);
  CU_ASSERT_EQUAL(s2->revision, 2);
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "a"),
                      flag_in(s1, "production", "a"));
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "b"),
                      flag_in(s1, "production", "b"));
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "seg"),
                      flag_in(s1, "production", "seg"));
  /* A shared flag outlives the snapshot it was compiled for. */
  vx_snapshot_free(s1);
  CU_ASSERT_TRUE(on(s2, "production", "a", "{\"userId\": \"ann\"}"));
  CU_ASSERT_EQUAL(
      atomic_load(&((vx_flag *)flag_in(s2, "production", "a"))->refs), 1);
  vx_snapshot_free(s2);
  vx_state_dispose(&st);
}

/* A definition may be a feature object, its JSON text, or a native flag
 * document (as text) of which each environment compiles its own state:
 * the decisions are the same, and an unchanged text is reused. */
static void test_definitions_as_text_and_native_documents(void) {
  vx_state st;
  vx_state_init(&st);
  const char *feature = "{\"name\": \"f\", \"enabled\": true, \"strategies\":"
                        " [{\"name\": \"userWithId\", \"parameters\":"
                        " {\"userIds\": \"ann\"}}]}";
  const char *native =
      "{\"key\": \"n\", \"type\": \"boolean\", \"environments\": {"
      "\"production\": {\"enabled\": true, \"strategies\": [{\"name\":"
      " \"userWithId\", \"parameters\": {\"userIds\": \"ann\"}}]},"
      "\"staging\": {\"enabled\": false, \"strategies\": []}}}";
  json_t *prod = json_object(), *staging = json_object();
  json_t *text = json_string(native);
  json_object_set_new(prod, "f", parse(feature));
  json_t *as_text = parse(feature);
  json_object_set_new(as_text, "name", json_string("t"));
  char *dumped = json_dumps(as_text, JSON_COMPACT);
  json_object_set_new(prod, "t", json_string(dumped));
  free(dumped);
  json_decref(as_text);
  json_object_set(prod, "n", text);
  json_object_set(staging, "n", text);
  json_object_set_new(st.envs, "production", prod);
  json_object_set_new(st.envs, "staging", staging);
  vx_snapshot *s1 = build(&st, NULL, plugins);
  static const char *keys[] = {"f", "t", "n"};
  for (size_t i = 0; i < 3; i++) {
    CU_ASSERT_TRUE(on(s1, "production", keys[i], "{\"userId\": \"ann\"}"));
    CU_ASSERT_FALSE(on(s1, "production", keys[i], "{\"userId\": \"bob\"}"));
  }
  /* The native document's other environment has its own state. */
  CU_ASSERT_FALSE(on(s1, "staging", "n", "{\"userId\": \"ann\"}"));
  CU_ASSERT_EQUAL(flag_in(s1, "production", "n")->type, VX_FLAG_BOOLEAN);
  /* Unchanged: the same compiled flags; a changed text: a new one. */
  vx_snapshot *s2 = build(&st, s1, plugins);
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "n"),
                      flag_in(s1, "production", "n"));
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "t"),
                      flag_in(s1, "production", "t"));
  json_object_set_new(prod, "t",
                      json_string("{\"name\": \"t\", \"enabled\": false}"));
  vx_snapshot *s3 = build(&st, s2, plugins);
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s3, "production", "t"),
                          flag_in(s2, "production", "t"));
  CU_ASSERT_FALSE(on(s3, "production", "t", "{\"userId\": \"ann\"}"));
  /* Stored text that is not JSON is an error naming the flag. */
  json_object_set_new(prod, "bad", json_string("{not json"));
  vx_snapshot *s4 = NULL;
  char err[512] = "";
  CU_ASSERT_EQUAL(vx_snapshot_build(&st, s3, plugins, 0, &s4, err, sizeof err),
                  VX_EPARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "flag bad in production"));
  json_decref(text);
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_snapshot_free(s3);
  vx_state_dispose(&st);
}

/* An update told which keys changed copies the other flags' slots and
 * looks only at those keys: the rest are the very same flags. */
static void test_update_recompiles_only_the_named_keys(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, flags_ab, "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, plugins);
  import_ok(&st,
            "{\"features\": [{\"name\": \"b\", \"enabled\": true,"
            " \"strategies\": [{\"name\": \"userWithId\","
            "  \"parameters\": {\"userIds\": \"cid\"}}]}]}",
            "production", VX_IMPORT_MERGE);
  json_t *keys = json_pack("[s]", "b");
  vx_snapshot *s2 = NULL;
  char err[256];
  CU_ASSERT_EQUAL_FATAL(
      vx_snapshot_update(&st, s1, plugins, 0, keys, &s2, err, sizeof err), 0);
  CU_ASSERT_EQUAL(s2->revision, st.revision);
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "a"),
                      flag_in(s1, "production", "a"));
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s2, "production", "b"),
                          flag_in(s1, "production", "b"));
  CU_ASSERT_TRUE(on(s2, "production", "b", "{\"userId\": \"cid\"}"));
  CU_ASSERT_EQUAL(vx_snapshot_env(s2, "production")->count,
                  vx_snapshot_env(s1, "production")->count);
  /* No key changed: a copy sharing every flag. */
  json_t *none = json_array();
  vx_snapshot *s3 = NULL;
  CU_ASSERT_EQUAL_FATAL(
      vx_snapshot_update(&st, s2, plugins, 0, none, &s3, err, sizeof err), 0);
  CU_ASSERT_PTR_EQUAL(flag_in(s3, "production", "b"),
                      flag_in(s2, "production", "b"));
  /* A removed flag falls back to a full build, which drops it. */
  json_object_del(json_object_get(st.envs, "production"), "a");
  json_t *a = json_pack("[s]", "a");
  vx_snapshot *s4 = NULL;
  CU_ASSERT_EQUAL_FATAL(
      vx_snapshot_update(&st, s3, plugins, 0, a, &s4, err, sizeof err), 0);
  CU_ASSERT_PTR_NULL(flag_in(s4, "production", "a"));
  CU_ASSERT_PTR_EQUAL(flag_in(s4, "production", "b"),
                      flag_in(s3, "production", "b"));
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_snapshot_free(s3);
  vx_snapshot_free(s4);
  json_decref(keys);
  json_decref(none);
  json_decref(a);
  vx_state_dispose(&st);
}

static void test_changed_flag_is_recompiled_with_its_new_behaviour(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, flags_ab, "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, plugins);
  import_ok(&st,
            "{\"features\": [{\"name\": \"b\", \"enabled\": true,"
            " \"strategies\": [{\"name\": \"userWithId\","
            "  \"parameters\": {\"userIds\": \"cid\"}}]}]}",
            "production", VX_IMPORT_MERGE);
  vx_snapshot *s2 = build(&st, s1, plugins);
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "a"),
                      flag_in(s1, "production", "a"));
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s2, "production", "b"),
                          flag_in(s1, "production", "b"));
  CU_ASSERT_TRUE(on(s2, "production", "b", "{\"userId\": \"cid\"}"));
  CU_ASSERT_FALSE(on(s2, "production", "b", "{\"userId\": \"bob\"}"));
  /* The previous snapshot still answers as it did. */
  CU_ASSERT_TRUE(on(s1, "production", "b", "{\"userId\": \"bob\"}"));
  CU_ASSERT_FALSE(on(s1, "production", "b", "{\"userId\": \"cid\"}"));
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_state_dispose(&st);
}

static void test_removed_flag_is_absent_from_the_next_snapshot(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, flags_ab, "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, plugins);
  import_ok(&st,
            "{\"features\": [{\"name\": \"a\", \"enabled\": true,"
            " \"strategies\": [{\"name\": \"userWithId\","
            "  \"parameters\": {\"userIds\": \"ann\"}}]}]}",
            "production", VX_IMPORT_REPLACE);
  vx_snapshot *s2 = build(&st, s1, plugins);
  CU_ASSERT_PTR_NULL(flag_in(s2, "production", "b"));
  CU_ASSERT_PTR_NOT_NULL(flag_in(s1, "production", "b"));
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "a"),
                      flag_in(s1, "production", "a"));
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_state_dispose(&st);
}

static void test_flag_whose_segment_changed_is_recompiled(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st, flags_ab, "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, plugins);
  /* Only the segment changes (imported with another environment). */
  import_ok(&st,
            "{\"features\": [], \"segments\": [{\"id\": 1, \"constraints\": ["
            " {\"contextName\": \"country\", \"operator\": \"IN\","
            "  \"values\": [\"SE\"]}]}]}",
            "other", VX_IMPORT_REPLACE);
  vx_snapshot *s2 = build(&st, s1, plugins);
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s2, "production", "seg"),
                          flag_in(s1, "production", "seg"));
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "a"),
                      flag_in(s1, "production", "a"));
  CU_ASSERT_TRUE(
      on(s2, "production", "seg", "{\"properties\": {\"country\": \"SE\"}}"));
  CU_ASSERT_FALSE(
      on(s2, "production", "seg", "{\"properties\": {\"country\": \"NO\"}}"));
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_state_dispose(&st);
}

static void test_flag_whose_missing_segment_appears_is_recompiled(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st,
            "{\"features\": [{\"name\": \"later\", \"enabled\": true,"
            " \"strategies\": [{\"name\": \"default\", \"segments\": [9]}]}]}",
            "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, plugins); /* lenient: segment 9 off */
  CU_ASSERT_FALSE(
      on(s1, "production", "later", "{\"properties\": {\"tier\": \"gold\"}}"));
  /* Rebuilding with nothing changed shares the flag. */
  vx_snapshot *s2 = build(&st, s1, plugins);
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "production", "later"),
                      flag_in(s1, "production", "later"));
  import_ok(&st,
            "{\"features\": [], \"segments\": [{\"id\": 9, \"constraints\": ["
            " {\"contextName\": \"tier\", \"operator\": \"IN\","
            "  \"values\": [\"gold\"]}]}]}",
            "other", VX_IMPORT_REPLACE);
  vx_snapshot *s3 = build(&st, s2, plugins);
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s3, "production", "later"),
                          flag_in(s2, "production", "later"));
  CU_ASSERT_TRUE(
      on(s3, "production", "later", "{\"properties\": {\"tier\": \"gold\"}}"));
  CU_ASSERT_FALSE(
      on(s3, "production", "later", "{\"properties\": {\"tier\": \"tin\"}}"));
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_snapshot_free(s3);
  vx_state_dispose(&st);
}

/* An in-process strategy that is on for everyone. */
static int always_compile(void *state, const char *flag, const vx_param *p,
                          size_t n, void **instance, char *err, size_t len) {
  (void)state, (void)flag, (void)p, (void)n, (void)err, (void)len;
  static int token;
  *instance = &token;
  return 0;
}
static int always_evaluate(const void *instance, const vx_context *ctx) {
  (void)instance, (void)ctx;
  return 1;
}
static void always_free(void *state, void *instance) {
  (void)state, (void)instance;
}
static const vx_strategy_descriptor always_desc = {
    .magic = VX_STRATEGY_MAGIC,
    .abi_major = VX_ABI_MAJOR,
    .abi_minor = VX_ABI_MINOR,
    .size = sizeof(vx_strategy_descriptor),
    .name = "alwaysOn",
    .version = "1.0.0",
    .description = "on for everyone (test)",
    .kind = VX_KIND_STATIC,
    .compile = always_compile,
    .evaluate = always_evaluate,
    .free_instance = always_free,
};

static void test_flag_whose_plugin_appears_is_recompiled(void) {
  vx_plugin_host *host = vx_plugin_host_new();
  vx_state st;
  vx_state_init(&st);
  import_ok(&st,
            "{\"features\": [{\"name\": \"p\", \"enabled\": true,"
            " \"strategies\": [{\"name\": \"alwaysOn\"}]}]}",
            "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, host); /* no such plugin: off */
  CU_ASSERT_FALSE(on(s1, "production", "p", "{}"));
  char err[256];
  CU_ASSERT_EQUAL_FATAL(
      vx_plugin_host_register(host, &always_desc, "<test>", err, sizeof err),
      0);
  vx_snapshot *s2 = build(&st, s1, host);
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s2, "production", "p"),
                          flag_in(s1, "production", "p"));
  CU_ASSERT_TRUE(on(s2, "production", "p", "{}"));
  /* And once compiled against it, a rebuild shares it again. */
  vx_snapshot *s3 = build(&st, s2, host);
  CU_ASSERT_PTR_EQUAL(flag_in(s3, "production", "p"),
                      flag_in(s2, "production", "p"));
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_snapshot_free(s3);
  vx_state_dispose(&st);
  vx_plugin_host_free(host);
}

static void test_flags_in_different_environments_are_independent(void) {
  vx_state st;
  vx_state_init(&st);
  const char *x_on = "{\"features\": [{\"name\": \"x\", \"enabled\": true}]}";
  import_ok(&st, x_on, "development", VX_IMPORT_REPLACE);
  import_ok(&st, x_on, "production", VX_IMPORT_REPLACE);
  vx_snapshot *s1 = build(&st, NULL, plugins);
  /* Equal definitions in two environments are still two flags. */
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s1, "development", "x"),
                          flag_in(s1, "production", "x"));
  import_ok(&st, "{\"features\": [{\"name\": \"x\", \"enabled\": false}]}",
            "production", VX_IMPORT_MERGE);
  vx_snapshot *s2 = build(&st, s1, plugins);
  CU_ASSERT_PTR_EQUAL(flag_in(s2, "development", "x"),
                      flag_in(s1, "development", "x"));
  CU_ASSERT_PTR_NOT_EQUAL(flag_in(s2, "production", "x"),
                          flag_in(s1, "production", "x"));
  CU_ASSERT_TRUE(on(s2, "development", "x", "{}"));
  CU_ASSERT_FALSE(on(s2, "production", "x", "{}"));
  vx_snapshot_free(s1);
  vx_snapshot_free(s2);
  vx_state_dispose(&st);
}

static void test_strict_build_fails_naming_the_flag_and_environment(void) {
  vx_state st;
  vx_state_init(&st);
  import_ok(&st,
            "{\"features\": [{\"name\": \"broken\", \"enabled\": true,"
            " \"strategies\": [{\"name\": \"noSuchStrategy\"}]}]}",
            "production", VX_IMPORT_REPLACE);
  vx_snapshot *s = (vx_snapshot *)1;
  char err[512] = "";
  int rc = vx_snapshot_build(&st, NULL, plugins, VX_COMPILE_STRICT, &s, err,
                             sizeof err);
  CU_ASSERT(rc < 0);
  CU_ASSERT_PTR_NULL(s);
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "broken"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "production"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err, "noSuchStrategy"));
  /* The lenient build of the same state succeeds: the strategy is off. */
  vx_snapshot *lenient = build(&st, NULL, plugins);
  CU_ASSERT_FALSE(on(lenient, "production", "broken", "{}"));
  vx_snapshot_free(lenient);
  vx_state_dispose(&st);
}

int main(void) {
  static const vx_test tests[] = {
      VX_TEST(test_every_shape_error_names_its_place_and_changes_nothing),
      VX_TEST(test_duplicate_feature_is_reported_as_already_existing),
      VX_TEST(test_optional_fields_may_be_null_or_absent),
      VX_TEST(test_replace_makes_the_environment_exactly_the_imported_flags),
      VX_TEST(test_merge_adds_and_replaces_flags_and_keeps_the_others),
      VX_TEST(test_merge_into_a_new_environment_creates_it),
      VX_TEST(test_import_into_one_environment_leaves_the_others_alone),
      VX_TEST(test_import_keeps_a_copy_not_the_callers_document),
      VX_TEST(test_segments_are_global_and_replaced_by_id),
      VX_TEST(test_malformed_file_error_names_file_line_and_column),
      VX_TEST(test_duplicate_json_keys_in_a_file_are_refused),
      VX_TEST(test_shape_error_in_a_file_names_the_file_and_the_place),
      VX_TEST(test_missing_file_is_an_io_error_naming_the_file),
      VX_TEST(test_well_formed_file_is_imported),
      VX_TEST(test_build_compiles_every_flag_at_the_state_revision),
      VX_TEST(test_unchanged_flag_is_shared_with_the_previous_snapshot),
      VX_TEST(test_changed_flag_is_recompiled_with_its_new_behaviour),
      VX_TEST(test_update_recompiles_only_the_named_keys),
      VX_TEST(test_definitions_as_text_and_native_documents),
      VX_TEST(test_removed_flag_is_absent_from_the_next_snapshot),
      VX_TEST(test_flag_whose_segment_changed_is_recompiled),
      VX_TEST(test_flag_whose_missing_segment_appears_is_recompiled),
      VX_TEST(test_flag_whose_plugin_appears_is_recompiled),
      VX_TEST(test_flags_in_different_environments_are_independent),
      VX_TEST(test_strict_build_fails_naming_the_flag_and_environment),
      {NULL, NULL},
  };
  return vx_test_main("state", tests, suite_init, suite_clean);
}
