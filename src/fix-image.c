#include "config.h"

#include "exitcode.h"
#include "fix.h"
#include "msg.h"

int fix_image(const struct fix_options *o)
{
	(void)o;
	nf_error("fix: --image is not implemented yet");
	return NF_EXIT_INCOMPLETE;
}

int fix_image_undo(const struct fix_options *o)
{
	(void)o;
	nf_error("fix: --undo is not implemented yet");
	return NF_EXIT_INCOMPLETE;
}
