//! One xAPI request, whatever syntax it came in: the method, the resource's parameters, the
//! headers and the content. In 1.0.x's alternate request syntax (Communication 1.3) a client
//! that cannot send custom headers POSTs `?method=PUT` (or GET, POST, DELETE) with the headers,
//! the parameters and the content (`content`) in a form body; [`XapiRequest::read`] unpacks that
//! into the same shape as a plain request, so the resources never see the difference. 2.0
//! removed the syntax: such a request is refused once its version is known.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri, header};
use xc_xapi::{XapiError, XapiVersion};

use crate::error::{AppError, AppResult};

/// The headers a form body may carry in the alternate request syntax (lower case).
const FORM_HEADERS: [&str; 6] = [
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
];

/// A request as the resources read it.
#[derive(Debug, Clone)]
pub(crate) struct XapiRequest {
    /// The method meant (HEAD is answered as GET without a body).
    pub(crate) method: Method,
    /// The resource's parameters, decoded, in order.
    pub(crate) params: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// Whether it came in the alternate request syntax.
    pub(crate) alternate: bool,
}

pub(crate) fn bad(path: &str, reason: impl Into<String>) -> AppError {
    AppError::Xapi(XapiError::bad_request(path, reason))
}

fn decode_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

impl XapiRequest {
    /// Reads a request, unpacking the alternate request syntax.
    pub(crate) fn read(
        method: Method,
        uri: &Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> AppResult<Self> {
        let query = decode_pairs(uri.query().unwrap_or_default());
        let meant = query
            .iter()
            .find(|(name, _)| name == "method")
            .map(|(_, value)| value.clone());
        let Some(meant) = meant else {
            let method = if method == Method::HEAD {
                Method::GET
            } else {
                method
            };
            return Ok(XapiRequest {
                method,
                params: query,
                headers,
                body,
                alternate: false,
            });
        };
        if method != Method::POST {
            return Err(bad(
                "method",
                "the alternate request syntax (?method=) is only for POST requests",
            ));
        }
        if query.len() > 1 {
            return Err(bad(
                "method",
                "in the alternate request syntax only method goes in the query string: put the other parameters in the form body",
            ));
        }
        let method = match meant.as_str() {
            "GET" => Method::GET,
            "PUT" => Method::PUT,
            "POST" => Method::POST,
            "DELETE" => Method::DELETE,
            "HEAD" => Method::GET,
            other => {
                return Err(bad(
                    "method",
                    format!("{other:?} is not a method: use GET, PUT, POST or DELETE"),
                ));
            }
        };
        let form_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        if form_type.as_deref() != Some("application/x-www-form-urlencoded") {
            return Err(bad(
                "Content-Type",
                "the alternate request syntax needs a form body (application/x-www-form-urlencoded)",
            ));
        }
        let form =
            std::str::from_utf8(&body).map_err(|_| bad("content", "the form body is not UTF-8"))?;
        let mut effective = headers.clone();
        effective.remove(header::CONTENT_TYPE);
        effective.remove(header::CONTENT_LENGTH);
        let mut params = Vec::new();
        let mut content = Bytes::new();
        for (name, value) in decode_pairs(form) {
            let lower = name.to_ascii_lowercase();
            if lower == "content" {
                content = Bytes::from(value.into_bytes());
            } else if FORM_HEADERS.contains(&lower.as_str()) {
                let header_name = HeaderName::from_bytes(lower.as_bytes())
                    .map_err(|_| bad(&name, "is not a header name"))?;
                let header_value = HeaderValue::from_str(&value)
                    .map_err(|_| bad(&name, "is not a valid header value"))?;
                effective.insert(header_name, header_value);
            } else {
                params.push((name, value));
            }
        }
        // A form without Content-Type carries JSON content (the 1.0.3 suite's PUT sends none).
        if !effective.contains_key(header::CONTENT_TYPE) && !content.is_empty() {
            effective.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Ok(XapiRequest {
            method,
            params,
            headers: effective,
            body: content,
            alternate: true,
        })
    }

    /// A header's value as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request's xAPI version (400 without a supported one; the alternate request syntax
    /// is refused under 2.0).
    pub(crate) fn version(&self) -> AppResult<XapiVersion> {
        let version = XapiVersion::from_header(self.header(xc_xapi::version::VERSION_HEADER))
            .map_err(AppError::Xapi)?;
        if self.alternate && !version.allows_alternate_request_syntax() {
            return Err(bad(
                "method",
                "xAPI 2.0 removed the alternate request syntax: send the method, headers and content as they are",
            ));
        }
        Ok(version)
    }

    /// The parameters as `(&str, &str)` pairs, leaving out `skip`.
    pub(crate) fn pairs_without<'a>(
        &'a self,
        skip: &'a [&'a str],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.params
            .iter()
            .filter(move |(name, _)| !skip.contains(&name.as_str()))
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// One parameter's value (the first, if repeated).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The content's media type without parameters, lower case.
    pub(crate) fn content_type(&self) -> Option<String> {
        self.header("content-type")
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> AppResult<XapiRequest> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        XapiRequest::read(
            method,
            &uri.parse().unwrap(),
            map,
            Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn the_alternate_syntax_unpacks_headers_parameters_and_content() {
        let request = read(
            Method::POST,
            "/xapi/statements?method=PUT",
            &[("content-type", "application/x-www-form-urlencoded")],
            "statementId=abc&X-Experience-API-Version=1.0.3&Content-Type=application%2Fjson&content=%7B%7D&Authorization=Basic%20eDp5",
        )
        .unwrap();
        assert_eq!(request.method, Method::PUT);
        assert!(request.alternate);
        assert_eq!(request.param("statementId"), Some("abc"));
        assert_eq!(request.content_type().as_deref(), Some("application/json"));
        assert_eq!(request.header("authorization"), Some("Basic eDp5"));
        assert_eq!(&request.body[..], b"{}");
        assert_eq!(request.version().unwrap(), XapiVersion::LATEST_1_0);
    }

    #[test]
    fn the_alternate_syntax_is_refused_where_the_spec_refuses_it() {
        let form = [("content-type", "application/x-www-form-urlencoded")];
        let status =
            |result: AppResult<XapiRequest>| result.map(|_| ()).unwrap_err().status().as_u16();
        // Another parameter in the query string.
        assert_eq!(
            status(read(Method::POST, "/x?method=GET&limit=1", &form, "")),
            400
        );
        // Not a form body.
        assert_eq!(
            status(read(
                Method::POST,
                "/x?method=GET",
                &[("content-type", "application/json")],
                ""
            )),
            400
        );
        // Not a POST, and not a method.
        assert_eq!(status(read(Method::GET, "/x?method=GET", &form, "")), 400);
        assert_eq!(
            status(read(Method::POST, "/x?method=PATCH", &form, "")),
            400
        );
        // Removed in 2.0.
        let request = read(
            Method::POST,
            "/x?method=GET",
            &form,
            "X-Experience-API-Version=2.0.0",
        )
        .unwrap();
        assert_eq!(request.version().unwrap_err().status().as_u16(), 400);
    }
}
