/* cfg.h: configuration from one HDF file, each key overridable by an environment variable. */
#ifndef AIOPS_CFG_H
#define AIOPS_CFG_H

#include <stdio.h>

#include "err.h"

/* cfg_load reads the HDF file at path (NULL: defaults and environment only) and then applies the
 * AIOPS_* environment overrides. On failure the previous configuration stays in force and *why
 * (static or process memory, valid until the next call) says what is wrong. */
enum err cfg_load(const char *path, const char **why);

/* cfg_str returns the value of key, or NULL for an unknown key; owned by the configuration and
 * valid until the next cfg_load. */
const char *cfg_str(const char *key);

/* cfg_int returns the value of key as a number (its default when the value is not a number). */
long cfg_int(const char *key);

/* cfg_help writes every key with its environment variable, default and meaning. */
void cfg_help(FILE *f);

/* cfg_set overrides key in memory (for tests and command-line switches); returns ERR_INPUT for an
 * unknown key. */
enum err cfg_set(const char *key, const char *value);

#endif
