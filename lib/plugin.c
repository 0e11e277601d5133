/* plugin.c: mappers from shared objects.  The parent only loads the
 * plugin and checks it; the plugin's code (init included) runs in the
 * workers, so a plugin that crashes takes down a worker, not the run. */
#include <dlfcn.h>

#include "err.h"
#include "plugin.h"

const struct pdp_mapper *
plugin_load(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct pdp_mapper *m;

	if (!h)
		eprintf("%s", dlerror());
	if (!(m = dlsym(h, "pdp_mapper")))
		eprintf("%s: not a pdp plugin (no symbol pdp_mapper)", path);
	if (m->abi != PDP_ABI_VERSION)
		eprintf("%s: plugin built for mapper interface version %d, "
		    "this pdp-map has version %d: rebuild it against this pdp.h",
		    path, m->abi, PDP_ABI_VERSION);
	if (!m->map)
		eprintf("%s: plugin has no map function", path);
	if (!m->name)
		eprintf("%s: plugin has no name", path);
	return m;
}
