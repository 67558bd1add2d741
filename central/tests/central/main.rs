//! The central service's black-box tests: one binary, the shared world and the journeys.

mod journey;
mod world;
