//! `prompt!("name", var = expr, …)`: variables checked at compile time, and code that
//! renders the embedded template directly.
//!
//! The template was parsed when the macro ran; the expansion is a sequence of
//! `push_str` of literal text and pushes of the values (through `Display`, with the
//! f-string spec or mustache escaping the template asks for). Partial variables not
//! given are rendered into the literal text at compile time. Each argument is evaluated
//! once, in the order written, before anything is rendered.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use prompt_sync_core::model::{ChatMessage, PromptBody, PromptModel};
use prompt_sync_core::render::fstring::{self, Conversion, Piece};
use prompt_sync_core::render::mustache::push_html_escaped;
use prompt_sync_core::render::tokenize::Token;
use prompt_sync_core::render::{Part, PromptPlan, Template, Value, VarsProblem};

use crate::expand::tracked;
use crate::{Args, Found, plan_tokens, role_tokens};

/// The expansion of the rendering form, or the compile error to report.
pub(crate) fn expand(
    found: &Found,
    model: &PromptModel,
    plan: &PromptPlan<'_>,
    args: &Args,
) -> syn::Result<TokenStream2> {
    let placeholders: Vec<&str> = match &model.body {
        PromptBody::Chat(messages) => messages
            .iter()
            .filter_map(|m| match m {
                ChatMessage::Placeholder { variable } => Some(variable.as_str()),
                ChatMessage::Message { .. } => None,
            })
            .collect(),
        PromptBody::Text(_) => Vec::new(),
    };
    let ctx = Ctx {
        prompt: found.name.as_str(),
        plan,
        call: args.name.span(),
        placeholders: &placeholders,
        args,
    };
    if let Some(problem) = &plan.problem {
        return Err(ctx.error(ctx.call, format!("cannot be rendered: {problem}")));
    }
    check_names(&ctx, args)?;

    // The values are evaluated in a `match` scrutinee, as `format_args!` does, so
    // temporaries live until the render is done. Each is checked where it is written:
    // a text value must be `Display` (it is used as `&dyn Display` from then on), a
    // placeholder's must iterate over messages.
    let mut values = Vec::with_capacity(args.vars.len());
    let mut ids = Vec::with_capacity(args.vars.len());
    let mut given = HashMap::new();
    for (i, var) in args.vars.iter().enumerate() {
        let id = format_ident!("__prompt_sync_v{}", i, span = Span::mixed_site());
        let expr = &var.expr;
        let span = expr.span();
        values.push(if placeholders.contains(&var.name.as_str()) {
            placeholder_value(ctx.prompt, &var.name, expr, span)
        } else {
            quote_spanned!(span=> __prompt_sync::display(&(#expr)))
        });
        ids.push(id.clone());
        given.insert(var.name.as_str(), id);
    }

    let tracked = tracked(found);
    let body = match &model.body {
        PromptBody::Text(_) => match plan.parts.first() {
            Some(Part::Template(t)) => ctx.text(t, &given)?,
            _ => return Err(ctx.error(ctx.call, "has no template to render".to_owned())),
        },
        PromptBody::Chat(messages) => ctx.chat(messages, &given)?,
    };
    Ok(quote!({
        #tracked
        match (#(#values,)*) {
            (#(#ids,)*) => #body,
        }
    }))
}

/// A placeholder's value as messages. The conversion goes through a trait declared
/// for this one argument, so a value that is not messages (`history = "oops"`) is a
/// compile error on the value that names the placeholder and what it takes, rather
/// than rustc's "`&str` is not an iterator".
fn placeholder_value(prompt: &str, name: &str, expr: &syn::Expr, span: Span) -> TokenStream2 {
    let message = format!(
        "prompt \"{prompt}\": `{name}` is a placeholder and takes messages (anything that \
         iterates over `Message` or `&Message`: `&history`, `vec![Message::human(…)]`, an \
         array), not `{{Self}}`"
    );
    let label = format!("`{name}` takes messages");
    quote_spanned!(span=> {
        #[diagnostic::on_unimplemented(message = #message, label = #label)]
        trait PlaceholderTakesMessages {
            fn __prompt_sync_messages(self) -> ::std::vec::Vec<__prompt_sync::Message>;
        }
        impl<I> PlaceholderTakesMessages for I
        where
            I: ::std::iter::IntoIterator,
            I::Item: ::std::convert::Into<__prompt_sync::Message>,
        {
            fn __prompt_sync_messages(self) -> ::std::vec::Vec<__prompt_sync::Message> {
                __prompt_sync::messages(self)
            }
        }
        PlaceholderTakesMessages::__prompt_sync_messages(#expr)
    })
}

/// What every part of the expansion needs to know.
struct Ctx<'p, 'a> {
    prompt: &'p str,
    plan: &'p PromptPlan<'a>,
    call: Span,
    /// The variables of the chat prompt's `MessagesPlaceholder`s.
    placeholders: &'p [&'p str],
    /// The macro's arguments.
    args: &'p Args,
}

impl Ctx<'_, '_> {
    /// `prompt "name" takes {a, b}; <what>`, spanned at `span`.
    fn error(&self, span: Span, what: String) -> syn::Error {
        syn::Error::new(span, format!("prompt \"{}\" {what}", self.prompt))
    }

    /// The value given for `name`, to print in a template; a placeholder's messages
    /// cannot be printed as text by `prompt!`.
    fn printed<'g>(
        &self,
        name: &str,
        given: &'g HashMap<&str, Ident>,
    ) -> syn::Result<Option<&'g Ident>> {
        let Some(id) = given.get(name) else {
            return Ok(None);
        };
        if self.placeholders.contains(&name) {
            let span = self
                .args
                .vars
                .iter()
                .find(|v| v.name == name)
                .map_or(self.call, |v| v.ident.span());
            return Err(self.error(
                span,
                format!(
                    "prints the placeholder `{name}` in a template as well as inserting its \
                     messages; `prompt!` cannot print messages as text, so render this prompt at \
                     run time with `format_messages_json` (which prints them as LangChain does)"
                ),
            ));
        }
        Ok(Some(id))
    }

    fn takes(&self) -> String {
        let mut s = if self.plan.variables.is_empty() {
            "takes no variables".to_owned()
        } else {
            format!("takes {{{}}}", self.plan.variables.join(", "))
        };
        if !self.plan.accepted.is_empty() {
            s.push_str(&format!(
                " (and optionally {{{}}})",
                self.plan.accepted.join(", ")
            ));
        }
        s
    }

    /// The code of one template: a `String` expression.
    fn text(
        &self,
        template: &Template<'_>,
        given: &HashMap<&str, Ident>,
    ) -> syn::Result<TokenStream2> {
        let out = format_ident!("__prompt_sync_out", span = Span::mixed_site());
        let mut code = Vec::new();
        let mut literal = String::new();
        let mut total = 0usize;
        let mut fields = 0usize;
        let flush = |literal: &mut String, code: &mut Vec<TokenStream2>, total: &mut usize| {
            if !literal.is_empty() {
                *total += literal.len();
                code.push(quote!(#out.push_str(#literal);));
                literal.clear();
            }
        };
        match template {
            Template::FString(pieces) => {
                for piece in pieces.iter() {
                    match piece {
                        Piece::Text(t) => literal.push_str(t),
                        Piece::Field(f) => match self.printed(f.name, given)? {
                            Some(id) => {
                                flush(&mut literal, &mut code, &mut total);
                                fields += 1;
                                code.push(if f.conversion == Conversion::None && f.spec.is_identity() {
                                    quote!(__prompt_sync::push_display(&mut #out, #id);)
                                } else {
                                    let conversion = plan_tokens::conversion(f.conversion);
                                    let spec = plan_tokens::spec(&f.spec);
                                    quote!(__prompt_sync::push_field(&mut #out, #id, #conversion, #spec);)
                                });
                            }
                            None => {
                                let value = self.partial(f.name)?;
                                fstring::push_field(f, value, &mut literal).map_err(|e| {
                                    self.error(
                                        self.call,
                                        format!("cannot render its partial variable: {e}"),
                                    )
                                })?;
                            }
                        },
                    }
                }
            }
            Template::Mustache(tokens) => {
                for token in tokens.iter() {
                    match token {
                        Token::Literal(t) => literal.push_str(t),
                        Token::Variable(key) | Token::NoEscape(key) => {
                            let escape = matches!(token, Token::Variable(_));
                            if *key == "." || key.contains('.') {
                                return Err(
                                    self.needs_json(&format!("the dotted name `{{{{{key}}}}}`"))
                                );
                            }
                            match self.printed(key, given)? {
                                Some(id) => {
                                    flush(&mut literal, &mut code, &mut total);
                                    fields += 1;
                                    code.push(if escape {
                                        quote!(__prompt_sync::push_escaped(&mut #out, #id);)
                                    } else {
                                        quote!(__prompt_sync::push_display(&mut #out, #id);)
                                    });
                                }
                                None => {
                                    if let Some(value) = self.plan.partial(key) {
                                        let mut s = String::new();
                                        value.push_py_str(&mut s);
                                        if escape {
                                            push_html_escaped(&s, &mut literal);
                                        } else {
                                            literal.push_str(&s);
                                        }
                                    }
                                }
                            }
                        }
                        Token::Section(key) | Token::Inverted(key) => {
                            let sigil = if matches!(token, Token::Section(_)) {
                                '#'
                            } else {
                                '^'
                            };
                            return Err(
                                self.needs_json(&format!("the section `{{{{{sigil}{key}}}}}`"))
                            );
                        }
                        Token::End(_) | Token::Partial(_) => {
                            return Err(self.needs_json("a section"));
                        }
                    }
                }
            }
        }
        flush(&mut literal, &mut code, &mut total);
        let capacity = total + 16 * fields;
        Ok(quote!({
            let mut #out = ::std::string::String::with_capacity(#capacity);
            #(#code)*
            #out
        }))
    }

    /// The code of a chat prompt: a `Vec<Message>` expression.
    fn chat(
        &self,
        messages: &[ChatMessage],
        given: &HashMap<&str, Ident>,
    ) -> syn::Result<TokenStream2> {
        let out = format_ident!("__prompt_sync_messages", span = Span::mixed_site());
        let mut code = Vec::with_capacity(messages.len());
        for (part, message) in self.plan.parts.iter().zip(messages) {
            match (part, message) {
                (Part::Template(t), ChatMessage::Message { role, .. }) => {
                    let role = role_tokens(role);
                    let text = self.text(t, given)?;
                    code.push(
                        quote!(#out.push(__prompt_sync::Message { role: #role, content: #text });),
                    );
                }
                (Part::Literal, ChatMessage::Message { role, content }) => {
                    let role = role_tokens(role);
                    code.push(quote!(#out.push(__prompt_sync::Message {
                        role: #role,
                        content: ::std::string::String::from(#content),
                    });));
                }
                (Part::Placeholder { n_messages, .. }, ChatMessage::Placeholder { variable }) => {
                    match given.get(variable.as_str()) {
                        Some(id) => code.push(quote!(
                            __prompt_sync::push_placeholder(&mut #out, &#id, #n_messages);
                        )),
                        None => match self.plan.partial(variable) {
                            Some(Value::List(items)) if !items.is_empty() => {
                                return Err(self.error(
                                    self.call,
                                    format!(
                                        "has default messages for the placeholder `{variable}`; give them \
                                         (`{variable} = …`) or render at run time with `format_messages_json`"
                                    ),
                                ));
                            }
                            _ => {}
                        },
                    }
                }
                _ => {
                    return Err(self.error(
                        self.call,
                        "has a render plan that does not match its messages".to_owned(),
                    ));
                }
            }
        }
        let n = messages.len();
        Ok(quote!({
            let mut #out: ::std::vec::Vec<__prompt_sync::Message> = ::std::vec::Vec::with_capacity(#n);
            #(#code)*
            #out
        }))
    }

    /// A partial variable the macro must render itself.
    fn partial(&self, name: &str) -> syn::Result<&Value<'_>> {
        self.plan
            .partial(name)
            .ok_or_else(|| self.error(self.call, format!("{}; missing: {name}", self.takes())))
    }

    fn needs_json(&self, what: &str) -> syn::Error {
        self.error(
            self.call,
            format!(
                "uses {what}, which needs structured values (lists, maps, booleans): `prompt!` renders \
                 from `Display` values only, so render it at run time with `format_json` (or \
                 `format_messages_json` for a chat prompt)"
            ),
        )
    }
}

/// The names given must be the prompt's, each once, and cover what it needs.
fn check_names(ctx: &Ctx<'_, '_>, args: &Args) -> syn::Result<()> {
    let problem = match ctx
        .plan
        .check_vars(args.vars.iter().map(|v| v.name.as_str()))
    {
        Ok(()) => return Ok(()),
        Err(p) => p,
    };
    let span_of = |name: &str, nth: usize| {
        args.vars
            .iter()
            .filter(|v| v.name == name)
            .nth(nth)
            .map_or(ctx.call, |v| v.ident.span())
    };
    Err(match problem {
        VarsProblem::Missing(missing) => {
            let hint = match missing.iter().find(|m| syn::parse_str::<Ident>(m).is_err()) {
                // A keyword other than `self`, `Self`, `super` and `crate` has a raw form.
                Some(m) if syn::parse_str::<Ident>(&format!("r#{m}")).is_ok() => {
                    format!(" (`{m}` is a Rust keyword: write it `r#{m} = …`)")
                }
                Some(m) => format!(
                    " (`{m}` is not a Rust identifier, so `prompt!` cannot name it: render this \
                     prompt at run time with `format`)"
                ),
                None => String::new(),
            };
            ctx.error(
                ctx.call,
                format!("{}; missing: {}{hint}", ctx.takes(), missing.join(", ")),
            )
        }
        VarsProblem::Unknown(name) => {
            let hint = suggestion(&name, ctx.plan)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            ctx.error(
                span_of(&name, 0),
                format!("{}; unknown variable: {name}{hint}", ctx.takes()),
            )
        }
        VarsProblem::Duplicate(name) => ctx.error(
            span_of(&name, 1),
            format!("{}; variable given twice: {name}", ctx.takes()),
        ),
    })
}

/// The prompt's variable closest to a misspelt one, if one is close.
fn suggestion<'a>(name: &str, plan: &PromptPlan<'a>) -> Option<&'a str> {
    plan.variables
        .iter()
        .chain(plan.accepted.iter())
        .map(|v| (prompt_sync_core::similar::edit_distance(name, v), *v))
        .filter(|(d, v)| *d <= (v.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}
