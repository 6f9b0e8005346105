/*
 * host_api.h - the vx_host_api table the daemon hands to every plugin.
 */
#ifndef VX_HOST_API_H
#define VX_HOST_API_H

#include <vexil/strategy.h>

/* The daemon's host table: static, valid for the life of the process. */
const vx_host_api *vx_host_api_get(void);

/* The per-thread generator behind host->random_u32 (xorshift128+, seeded
 * from the clock, the thread and a counter on first use in each thread). */
uint32_t vx_random_u32(void);

#endif
