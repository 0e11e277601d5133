/* version.h: the release of the pdp tools, the one place it is written
 * (the Makefile reads it from here). */
#ifndef PDP_VERSION_H
#define PDP_VERSION_H

#define PDP_VERSION "0.2.0"

#endif
