/* SPDX-License-Identifier: Apache-2.0 */
/* The --persist systemd unit of fix --image: written, quoted, removed. */
#ifndef NFSCHECK_IMAGE_UNIT_H
#define NFSCHECK_IMAGE_UNIT_H

#include <stdbool.h>

#include "target.h"

/* Write (or, DRY_RUN, show) and enable the unit that re-attaches the image at boot. */
int image_unit_write(const struct target *t, const char *image, const char *size, const char *mp, bool dry_run);
/* Remove the user's unit, if there is one. */
void image_unit_remove(const struct target *t);

#endif
