//! Ops: elementwise ([`elementwise`], with the named [`methods`] and the [`operators`]) and reductions
//! ([`reduce`]), recorded through [`launch`].

pub(crate) mod elementwise;
pub(crate) mod launch;
pub(crate) mod methods;
pub(crate) mod operators;
pub(crate) mod reduce;
