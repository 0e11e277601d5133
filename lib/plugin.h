/* plugin.h: loading a mapper from a shared object (dlopen). */
#ifndef PDP_PLUGIN_H
#define PDP_PLUGIN_H

#include "pdp.h"

/* Load the plugin at path and check its interface version; a plugin that
 * cannot be used is a fatal error naming it. */
const struct pdp_mapper *plugin_load(const char *path);

#endif
