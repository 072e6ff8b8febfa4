//! Product import: fetch a product page (http/https only, public addresses only, time and
//! size limited) and read the product from its JSON-LD `Product`, else its OpenGraph and
//! meta tags.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde_json::Value;

use crate::error::AppError;
use crate::server::captions::Product;
use crate::server::config::IntegrationSettings;

fn unreachable(why: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("Could not read the product page: {why}"))
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| !is_public(IpAddr::V4(v4))))
        }
    }
}

/// How many redirects an import follows (each target is checked like the first URL).
const MAX_REDIRECTS: usize = 3;

/// Fetches `url` and reads its product.
pub async fn import(settings: &IntegrationSettings, url: &str) -> Result<Product, AppError> {
    let mut target = reqwest::Url::parse(url.trim())
        .map_err(|_| AppError::validation("url", "Enter a full http(s) URL"))?;
    let mut redirects = 0;
    let mut response = loop {
        let response = fetch_checked(settings, &target).await?;
        if !response.status().is_redirection() {
            break response;
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| target.join(l).ok())
            .ok_or_else(|| unreachable("the page redirected nowhere"))?;
        redirects += 1;
        if redirects > MAX_REDIRECTS {
            return Err(unreachable("the page redirected too many times"));
        }
        target = location;
    };
    if !response.status().is_success() {
        return Err(unreachable(format!(
            "the page answered HTTP {}",
            response.status().as_u16()
        )));
    }
    let cap = settings.import_max_bytes;
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|_| unreachable("the download failed"))?
    {
        if body.len() + chunk.len() > cap {
            return Err(unreachable(format!(
                "the page is larger than {} KB",
                cap / 1024
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let html = String::from_utf8_lossy(&body);
    let mut product = read_product(&html)
        .ok_or_else(|| AppError::BadRequest("No product data found on that page".into()))?;
    if product.url.is_none() {
        product.url = Some(target.to_string());
    }
    product
        .validate()
        .map_err(|_| AppError::BadRequest("No product data found on that page".into()))?;
    Ok(product)
}

/// One GET of `url` after checking its scheme and that it resolves to public addresses; the
/// connection goes to the address that was checked.
async fn fetch_checked(
    settings: &IntegrationSettings,
    url: &reqwest::Url,
) -> Result<reqwest::Response, AppError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AppError::validation(
            "url",
            "Only http and https URLs can be imported",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| AppError::validation("url", "The URL has no host"))?
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| unreachable(format!("{host} could not be resolved ({e})")))?
        .collect();
    let Some(addr) = addrs.first().copied() else {
        return Err(unreachable(format!("{host} has no address")));
    };
    if !settings.import_allow_private_hosts && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(AppError::BadRequest(format!(
            "{host} is a private address: only public product pages can be imported"
        )));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(settings.import_timeout_seconds))
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .user_agent("PostPilot product import")
        .build()
        .map_err(|e| AppError::internal("building the import client", e))?;
    client.get(url.clone()).send().await.map_err(|e| {
        if e.is_timeout() {
            unreachable("the page took too long to answer")
        } else {
            unreachable("the page could not be reached")
        }
    })
}

/// The product of a page: JSON-LD first, then OpenGraph / meta tags.
pub fn read_product(html: &str) -> Option<Product> {
    json_ld_product(html).or_else(|| meta_product(html))
}

fn json_ld_product(html: &str) -> Option<Product> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(start) = lower[from..].find("application/ld+json") {
        let open_end = from + start + lower[from + start..].find('>')? + 1;
        let close = open_end + lower[open_end..].find("</script")?;
        from = close;
        let Ok(value) = serde_json::from_str::<Value>(html[open_end..close].trim()) else {
            continue;
        };
        if let Some(product) = find_product(&value) {
            return Some(product);
        }
    }
    None
}

fn is_product(value: &Value) -> bool {
    match value.get("@type") {
        Some(Value::String(t)) => t == "Product",
        Some(Value::Array(types)) => types.iter().any(|t| t == "Product"),
        _ => false,
    }
}

fn find_product(value: &Value) -> Option<Product> {
    match value {
        Value::Array(items) => items.iter().find_map(find_product),
        Value::Object(map) if is_product(value) => {
            let text = |key: &str| {
                map.get(key)
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
            };
            let offer = match map.get("offers") {
                Some(Value::Array(offers)) => offers.first().cloned(),
                Some(other) => Some(other.clone()),
                None => None,
            };
            let images = match map.get("image") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .or_else(|| i.get("url").and_then(Value::as_str).map(str::to_string))
                    })
                    .collect(),
                Some(Value::Object(o)) => o
                    .get("url")
                    .and_then(Value::as_str)
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default(),
                _ => vec![],
            };
            let brand = map
                .get("brand")
                .and_then(|b| b.get("name").and_then(Value::as_str).or_else(|| b.as_str()))
                .map(str::to_string);
            Some(Product {
                title: text("name")?,
                description: text("description"),
                price: offer
                    .as_ref()
                    .and_then(|o| o.get("price").cloned())
                    .filter(|p| !p.is_null()),
                currency: offer.as_ref().and_then(|o| {
                    o.get("priceCurrency")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                }),
                images,
                url: text("url"),
                tags: brand.into_iter().collect(),
            })
        }
        Value::Object(map) => map.get("@graph").and_then(find_product),
        _ => None,
    }
}

/// `content` of `<meta property|name="key" content="…">`.
fn meta(html: &str, key: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<meta") {
        let start = from + pos;
        let end = start + lower[start..].find('>')?;
        let tag = &html[start..end];
        from = end;
        let attr = |name: &str| {
            let tag_lower = tag.to_ascii_lowercase();
            let at = tag_lower.find(&format!("{name}="))? + name.len() + 1;
            let quote = tag[at..].chars().next()?;
            if quote != '"' && quote != '\'' {
                return None;
            }
            let rest = &tag[at + 1..];
            Some(rest[..rest.find(quote)?].to_string())
        };
        let names = [attr("property"), attr("name")];
        if names.iter().flatten().any(|n| n.eq_ignore_ascii_case(key)) {
            return attr("content")
                .map(|c| decode_entities(c.trim()))
                .filter(|c| !c.is_empty());
        }
    }
    None
}

fn decode_entities(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

fn meta_product(html: &str) -> Option<Product> {
    let title = meta(html, "og:title").or_else(|| meta(html, "twitter:title"))?;
    Some(Product {
        title,
        description: meta(html, "og:description").or_else(|| meta(html, "description")),
        price: meta(html, "product:price:amount")
            .or_else(|| meta(html, "og:price:amount"))
            .map(Value::String),
        currency: meta(html, "product:price:currency").or_else(|| meta(html, "og:price:currency")),
        images: meta(html, "og:image").into_iter().collect(),
        url: meta(html, "og:url"),
        tags: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_wins_and_graphs_are_searched() {
        let html = r#"<html><head>
            <meta property="og:title" content="OG title">
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebPage"},
              {"@type":"Product","name":"Trail Shoes","description":"Grippy.","image":["https://cdn.example/s.jpg"],
               "brand":{"@type":"Brand","name":"Peak"},"offers":{"@type":"Offer","price":"119.00","priceCurrency":"EUR"}}]}</script>
        </head></html>"#;
        let p = read_product(html).unwrap();
        assert_eq!(p.title, "Trail Shoes");
        assert_eq!(p.price, Some(Value::String("119.00".into())));
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert_eq!(p.images, ["https://cdn.example/s.jpg"]);
        assert_eq!(p.tags, ["Peak"]);
    }

    #[test]
    fn open_graph_is_the_fallback() {
        let html = r#"<meta name="description" content="Slim &amp; simple.">
            <meta property='og:title' content='Leather Wallet'><meta property="og:image" content="https://cdn.example/w.jpg">
            <meta property="product:price:amount" content="45.00"><meta property="product:price:currency" content="USD">"#;
        let p = read_product(html).unwrap();
        assert_eq!(p.title, "Leather Wallet");
        assert_eq!(p.description.as_deref(), Some("Slim & simple."));
        assert_eq!(p.price_text().as_deref(), Some("$45.00"));
        assert!(read_product("<html><title>No product</title></html>").is_none());
    }

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "100.64.0.1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        assert!(is_public("93.184.216.34".parse().unwrap()));
    }
}
