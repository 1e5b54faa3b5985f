//! Fake PlanetScale API.
