//! Pieces of a render plan as tokens, for the code `prompt!("name", var = expr, …)`
//! generates.

use proc_macro2::{Literal, TokenStream as TokenStream2};
use quote::quote;

use prompt_sync_core::render::fstring::Conversion;
use prompt_sync_core::render::spec::{Align, Spec};

/// `::prompt_sync::private::Conversion::…`.
pub(crate) fn conversion(c: Conversion) -> TokenStream2 {
    match c {
        Conversion::None => quote!(::prompt_sync::private::Conversion::None),
        Conversion::Str => quote!(::prompt_sync::private::Conversion::Str),
        Conversion::Repr => quote!(::prompt_sync::private::Conversion::Repr),
        Conversion::Ascii => quote!(::prompt_sync::private::Conversion::Ascii),
    }
}

/// `::prompt_sync::private::Spec { … }`.
pub(crate) fn spec(s: &Spec) -> TokenStream2 {
    let fill = s.fill;
    let align = match s.align {
        Align::Left => quote!(::prompt_sync::private::Align::Left),
        Align::Right => quote!(::prompt_sync::private::Align::Right),
        Align::Center => quote!(::prompt_sync::private::Align::Center),
    };
    let width = Literal::usize_suffixed(s.width);
    let precision = match s.precision {
        Some(p) => {
            let p = Literal::usize_suffixed(p);
            quote!(::core::option::Option::Some(#p))
        }
        None => quote!(::core::option::Option::None),
    };
    quote!(::prompt_sync::private::Spec { fill: #fill, align: #align, width: #width, precision: #precision })
}
