//! Structured values (feature `json`, on by default): render mustache sections over
//! lists and maps, and fill placeholders from JSON.

use prompt_sync_render::Value;

use crate::Prompt;
use crate::error::{RenderError, RenderErrorKind};
use crate::format::Names;
use crate::message::Message;

impl Prompt {
    /// Renders a text prompt with a JSON object of values, as LangChain's
    /// `PromptTemplate.invoke(values)` would: mustache sections walk lists and
    /// maps, dotted names reach into them, and non-string values print as Python's
    /// `str()` (`True`, `None`, `1.0`, `[1, 2]`). f-string format specs apply to strings
    /// only.
    ///
    /// The object is a context, as in LangChain: keys the prompt does not use are
    /// ignored (serialise a whole struct or state object), while a variable the prompt
    /// needs must be there. The string forms ([`format`](Self::format)) refuse an
    /// unknown name instead.
    ///
    /// ```
    /// // Hello {{user.name}}!
    /// // {{#items}}
    /// // - {{title}}
    /// // {{/items}}
    /// // {{^items}}
    /// // Nothing new.
    /// // {{/items}}
    /// const DIGEST: prompt_sync::Prompt = prompt_sync::prompt!("doc-digest");
    /// use prompt_sync::serde_json::json;
    /// let values = json!({"user": {"name": "Ada"}, "items": [{"title": "a"}, {"title": "b"}]});
    /// assert_eq!(DIGEST.format_json(&values).unwrap(), "Hello Ada!\n- a\n- b\n");
    /// let values = json!({"user": {"name": "<Bob>"}, "items": []});
    /// assert_eq!(DIGEST.format_json(&values).unwrap(), "Hello &lt;Bob&gt;!\nNothing new.\n");
    /// // Other keys are ignored; a missing variable is an error.
    /// let state = json!({"user": {"name": "Ada", "id": 7}, "items": [], "session": 1});
    /// assert_eq!(DIGEST.format_json(&state).unwrap(), "Hello Ada!\nNothing new.\n");
    /// assert!(DIGEST.format_json(&json!({"user": {}})).is_err());
    /// ```
    pub fn format_json(&self, values: &serde_json::Value) -> Result<String, RenderError> {
        self.format_values(self.json_vars(values)?, Names::Context)
    }

    /// Renders a chat prompt with a JSON object of values (see
    /// [`format_json`](Self::format_json): keys the prompt does not use are ignored,
    /// as LangChain's `ChatPromptTemplate.invoke` ignores them). A placeholder's value
    /// is a list of messages, as LangChain's `convert_to_messages` takes them: strings
    /// (human), `["ai", "text"]` pairs, or `{"role": "ai", "content": "text"}` objects.
    pub fn format_messages_json(
        &self,
        values: &serde_json::Value,
    ) -> Result<Vec<Message>, RenderError> {
        self.render_messages(self.json_vars(values)?, Vec::new(), Names::Context)
    }

    fn json_vars<'v>(
        &self,
        values: &'v serde_json::Value,
    ) -> Result<Vec<(&'v str, Value<'v>)>, RenderError> {
        let serde_json::Value::Object(map) = values else {
            return Err(self.error(RenderErrorKind::WrongValue {
                name: "values".to_owned(),
                detail: "must be a JSON object of variables".to_owned(),
            }));
        };
        Ok(map
            .iter()
            .map(|(k, v)| (k.as_str(), Value::from_json(v)))
            .collect())
    }
}
