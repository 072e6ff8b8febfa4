//! `{{product.field}}` placeholders: the one parser, used by the templates service on the
//! server and by the template editor's live preview in the browser, and the fields offered as
//! chips. What a field's value reads as (lists joined, numbers written out) is the caller's.

/// The product fields the editor offers, with their chip labels.
pub const OFFERED: [(&str, &str); 7] = [
    ("title", "Title"),
    ("price", "Price"),
    ("currency", "Currency"),
    ("description", "Description"),
    ("url", "Product link"),
    ("tags", "Tags"),
    ("images", "Images"),
];

/// The placeholder of a field: `{{product.title}}`.
pub fn placeholder(field: &str) -> String {
    format!("{{{{product.{field}}}}}")
}

/// Replaces each `{{ product.field }}` with `value(field)`, and a field without one with
/// nothing. Other braces stay as written.
pub fn fill(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = after[..close].trim();
        match key.strip_prefix("product.") {
            Some(field) => out.push_str(&value(field.trim()).unwrap_or_default()),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// The first `{{product.…}}` placeholder left in `text`, if any (a post must not go out with
/// one: it would read "{{product.title}}" to the world).
pub fn first_unfilled(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let close = after.find("}}")?;
        if after[..close].trim().starts_with("product.") {
            return Some(&rest[open..open + 2 + close + 2]);
        }
        rest = &after[close + 2..];
    }
    None
}

/// A hashtag filled in: its placeholders replaced and its spaces removed ("" if nothing is left).
pub fn fill_tag(tag: &str, value: impl Fn(&str) -> Option<String>) -> String {
    fill(tag, value).split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_take_their_values_and_other_braces_stay() {
        let value = |field: &str| (field == "title").then(|| "Linen Dress".to_string());
        assert_eq!(
            fill(
                "{{product.title}}! {{ product.title }}{{product.missing}}",
                value
            ),
            "Linen Dress! Linen Dress"
        );
        assert_eq!(
            fill("{{user.name}} {{ unclosed", value),
            "{{user.name}} {{ unclosed"
        );
        assert_eq!(fill_tag("{{product.title}}", value), "LinenDress");
        assert_eq!(placeholder("price"), "{{product.price}}");
        assert_eq!(
            first_unfilled("Hi {{user}} and {{ product.title }}!"),
            Some("{{ product.title }}")
        );
        assert_eq!(first_unfilled("Hi {{user}} {{ unclosed"), None);
    }
}
