/* version.h: the release of the pdp tools. */
#ifndef PDP_VERSION
#define PDP_VERSION "0.1.0"
#endif
