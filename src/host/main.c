/* plex86: an IA-32 PC virtual machine.  Everything but main() lives in the
 * plex86host library (run.c) so that tests can drive it. */
#include "host/run.h"

int main(int argc, char *argv[])
{
    return plex86_main(argc, argv);
}
