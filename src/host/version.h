/* plex86's version, shown by -version: the project version from CMake
 * (src/CMakeLists.txt passes PLEX86_VERSION). */
#ifndef PLEX86_HOST_VERSION_H
#define PLEX86_HOST_VERSION_H

#ifndef PLEX86_VERSION
#error "PLEX86_VERSION must come from the build (src/CMakeLists.txt)"
#endif

#endif
