//! [`Seq`]: a borrowed or owned slice, like `Cow<'a, [T]>` but covariant in `T`, so a
//! `Value<'static>` (an embedded partial variable) can stand where a `Value<'v>` is
//! expected.

use std::fmt;
use std::ops::Deref;

/// A borrowed or owned slice. Build it in a `const` with [`Seq::Borrowed`].
pub enum Seq<'a, T> {
    /// Borrowed items (what `prompt!` embeds).
    Borrowed(&'a [T]),
    /// Owned items.
    Owned(Vec<T>),
}

impl<'a, T> Seq<'a, T> {
    /// The items (usable in `const` code).
    pub const fn as_slice(&self) -> &[T] {
        match self {
            Seq::Borrowed(items) => items,
            Seq::Owned(items) => items.as_slice(),
        }
    }
}

impl<T> Deref for Seq<'_, T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        match self {
            Seq::Borrowed(items) => items,
            Seq::Owned(items) => items,
        }
    }
}

impl<T: Clone> Clone for Seq<'_, T> {
    fn clone(&self) -> Self {
        match self {
            Seq::Borrowed(items) => Seq::Borrowed(items),
            Seq::Owned(items) => Seq::Owned(items.clone()),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Seq<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq> PartialEq for Seq<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for Seq<'_, T> {}

impl<T: std::hash::Hash> std::hash::Hash for Seq<'_, T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl<T> From<Vec<T>> for Seq<'_, T> {
    fn from(items: Vec<T>) -> Self {
        Seq::Owned(items)
    }
}
