//! archsite library
