//! The central service's black-box tests: one binary, the shared world and one module per
//! use case: the link (scanners, headers, limits), the journey across desk and centre, the
//! first sign-in, the portal's API, and setting it all up from the README.

mod across_stations;
mod binary;
mod emails;
mod journey;
mod link;
mod portal;
mod setup;
mod sign_in;
mod world;
