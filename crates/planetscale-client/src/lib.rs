//! PlanetScale client
