#ifndef UPLOADEDGE_CPROCESSSPAWN_H
#define UPLOADEDGE_CPROCESSSPAWN_H

#include <spawn.h>

/// Adds "close every descriptor from `lowest` up" to `actions` (glibc's posix_spawn_file_actions_addclosefrom_np,
/// which needs _GNU_SOURCE and so is not visible to Swift). A runtime started by the emulator must not inherit the
/// emulator's listening socket or its client connections. Returns 0 or an errno value.
int ue_spawn_file_actions_closefrom(posix_spawn_file_actions_t *actions, int lowest);

#endif
