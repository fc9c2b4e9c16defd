#include "config.h"

#include "exitcode.h"
#include "fix.h"
#include "msg.h"

int fix_system(const struct fix_options *o)
{
	(void)o;
	nf_error("fix: --system is not implemented yet");
	return NF_EXIT_INCOMPLETE;
}
