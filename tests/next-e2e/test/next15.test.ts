// Next 15 end to end: examples/next-15 built once, two `next start` processes over one real Redis.

import { fleetCases, useFleet } from './support/fleet-cases.js'

fleetCases(15, useFleet(15))
