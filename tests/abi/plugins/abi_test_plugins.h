/* Constants shared by the ABI test plugins (C and C++) and the tests that load them, so that a
 * test's expected message is the one the case definition put into the plugin. */
#ifndef INFERCOST_TESTS_ABI_PLUGINS_ABI_TEST_PLUGINS_H_
#define INFERCOST_TESTS_ABI_PLUGINS_ABI_TEST_PLUGINS_H_

/* An ic_string initializer for a string literal. */
#define LITERAL(text) \
  { text, sizeof(text) - 1 }

/* What the plugin built with ABI_CASE_INIT_FAILS says through host->make_error at initialize. */
#define ABI_TEST_INIT_FAILURE_MESSAGE \
  "licence file /opt/acme/acme.lic not found; set ACME_LICENSE_FILE to its path"
#define ABI_TEST_INIT_FAILURE_CODE IC_STATUS_FAILED_PRECONDITION

/* What the "throwing" plugin throws. */
#define ABI_TEST_BOOM "boom"
#define ABI_TEST_DECODE_UNSUPPORTED "decode steps are not supported by the throwing test plugin"

/* The ABI minor the "newer_minor" plugin claims: one past what this SDK defines. */
#define ABI_TEST_NEWER_MINOR (INFERCOST_ABI_MINOR + 1)

#endif /* INFERCOST_TESTS_ABI_PLUGINS_ABI_TEST_PLUGINS_H_ */
