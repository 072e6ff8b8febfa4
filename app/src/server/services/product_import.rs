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

/// The one answer for a host that does not resolve, does not answer, or is not allowed (a
/// private address, another port): telling them apart would let callers map internal hosts.
fn not_allowed() -> AppError {
    unreachable("the address is unreachable or not allowed")
}

/// Whether `ip` is a public unicast address on the internet. IPv4: everything outside the
/// special-purpose ranges (RFC 6890 and successors). IPv6: only global unicast (2000::/3),
/// without its special blocks, which also rules out NAT64, 6to4, Teredo and the
/// IPv4-compatible and IPv4-mapped forms a private IPv4 address could hide behind.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(a == 0 // "this network"
                || a == 10
                || a == 127
                || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
                || (a == 169 && b == 254)
                || (a == 172 && (16..32).contains(&b))
                || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
                || (a == 192 && b == 0 && c == 2)
                || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
                || (a == 192 && b == 168)
                || (a == 198 && (18..20).contains(&b)) // benchmarking
                || (a == 198 && b == 51 && c == 100)
                || (a == 203 && b == 0 && c == 113)
                || a >= 224) // multicast, reserved, broadcast
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            (s[0] & 0xe000) == 0x2000 // 2000::/3
                && !(s[0] == 0x2001 && s[1] < 0x0200) // 2001::/23, Teredo among them
                && !(s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                && s[0] != 0x2002 // 6to4
                && (s[0] & 0xfff0) != 0x3ff0 // documentation (3fff::/20)
        }
    }
}

/// Loopback only: what `import_allow_private_hosts` opens, for development and tests. Every
/// other private range stays refused even then.
fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

/// How many redirects an import follows (each target is checked like the first URL).
const MAX_REDIRECTS: usize = 3;

/// Fetches `url` and reads its product, within one deadline for everything: resolving,
/// connecting, every redirect and the download.
pub async fn import(settings: &IntegrationSettings, url: &str) -> Result<Product, AppError> {
    let target = reqwest::Url::parse(url.trim())
        .map_err(|_| AppError::validation("url", "Enter a full http(s) URL"))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err(AppError::validation(
            "url",
            "Only http and https URLs can be imported",
        ));
    }
    let deadline = Duration::from_secs(settings.import_timeout_seconds);
    tokio::time::timeout(deadline, fetch_product(settings, target))
        .await
        .unwrap_or_else(|_| Err(unreachable("the page took too long to answer")))
}

async fn fetch_product(
    settings: &IntegrationSettings,
    mut target: reqwest::Url,
) -> Result<Product, AppError> {
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

/// One GET of `url` after checking its scheme, its port (80 and 443 only, unless private
/// hosts are allowed for development) and that every address it resolves to is public; the
/// connection goes to the address that was checked, so DNS cannot change its answer between.
async fn fetch_checked(
    settings: &IntegrationSettings,
    url: &reqwest::Url,
) -> Result<reqwest::Response, AppError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(not_allowed());
    }
    let host = url.host_str().ok_or_else(not_allowed)?.to_string();
    let port = url.port_or_known_default().ok_or_else(not_allowed)?;
    let development = settings.import_allow_private_hosts;
    if !development && !matches!(port, 80 | 443) {
        return Err(not_allowed());
    }
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|_| not_allowed())?
        .collect();
    let allowed = |ip: IpAddr| is_public(ip) || (development && is_loopback(ip));
    let Some(addr) = addrs.first().copied() else {
        return Err(not_allowed());
    };
    if !addrs.iter().all(|a| allowed(a.ip())) {
        return Err(not_allowed());
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .user_agent("PostPilot product import")
        .build()
        .map_err(|e| AppError::internal("building the import client", e))?;
    client.get(url.clone()).send().await.map_err(|e| {
        if e.is_timeout() {
            unreachable("the page took too long to answer")
        } else {
            not_allowed()
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
            // The ranges an attacker would reach for next.
            "0.0.0.0",
            "0.1.2.3",
            "100.127.255.255",
            "192.0.0.8",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
            "64:ff9b:1::a00:1",   // local-use NAT64
            "2002:a9fe:a9fe::1",  // 6to4 of 169.254.169.254
            "::a9fe:a9fe",        // IPv4-compatible
            "::ffff:8.8.8.8",     // mapped, even of a public address
            "ff02::1",
            "ff0e::1",
            "fe80::1",
            "fec0::1",
            "2001::1", // Teredo
            "2001:db8::1",
            "100::1",
            "::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700::1111",
            "2a00:1450::1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn development_opens_loopback_and_nothing_else() {
        assert!(is_loopback("127.0.0.1".parse().unwrap()));
        assert!(is_loopback("::1".parse().unwrap()));
        for ip in ["10.0.0.1", "169.254.169.254", "::ffff:127.0.0.1"] {
            assert!(!is_loopback(ip.parse().unwrap()), "{ip}");
        }
    }
}
