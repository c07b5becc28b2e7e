//! Pieces of a render plan as tokens, for the code `prompt!("name", var = expr, …)`
//! generates.

use proc_macro2::{Literal, TokenStream as TokenStream2};
use quote::quote;

use prompt_sync_core::render::fstring::Conversion;
use prompt_sync_core::render::spec::{Align, Spec};

/// `__prompt_sync::Conversion::…`.
pub(crate) fn conversion(c: Conversion) -> TokenStream2 {
    match c {
        Conversion::None => quote!(__prompt_sync::Conversion::None),
        Conversion::Str => quote!(__prompt_sync::Conversion::Str),
        Conversion::Repr => quote!(__prompt_sync::Conversion::Repr),
        Conversion::Ascii => quote!(__prompt_sync::Conversion::Ascii),
    }
}

/// `__prompt_sync::Spec { … }`.
pub(crate) fn spec(s: &Spec) -> TokenStream2 {
    let fill = s.fill;
    let align = match s.align {
        Align::Left => quote!(__prompt_sync::Align::Left),
        Align::Right => quote!(__prompt_sync::Align::Right),
        Align::Center => quote!(__prompt_sync::Align::Center),
    };
    let width = Literal::usize_suffixed(s.width);
    let precision = match s.precision {
        Some(p) => {
            let p = Literal::usize_suffixed(p);
            quote!(::core::option::Option::Some(#p))
        }
        None => quote!(::core::option::Option::None),
    };
    quote!(__prompt_sync::Spec { fill: #fill, align: #align, width: #width, precision: #precision })
}
