//! PlanetScale connector.
