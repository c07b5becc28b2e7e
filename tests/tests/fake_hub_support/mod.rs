//! A tiny blocking HTTP/1.1 client over `std::net::TcpStream` for the fake-hub tests.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// A response as read off the wire.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    host: String,
}

impl Conn {
    pub fn open(url: &str) -> Conn {
        let host = url.trim_start_matches("http://").trim_end_matches('/');
        let stream = TcpStream::connect(host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        Conn {
            reader: BufReader::new(stream),
            host: host.to_string(),
        }
    }

    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut s = self.reader.get_ref();
        s.write_all(bytes)?;
        s.flush()
    }

    /// Sends a request with `Content-Length` framing (when there is a body).
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> io::Result<Resp> {
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            head.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.unwrap_or_default());
        self.write_raw(&bytes)?;
        self.read_response()
    }

    pub fn get(&mut self, target: &str) -> Resp {
        self.send("GET", target, &[], None).unwrap()
    }

    pub fn post_json(&mut self, target: &str, body: &Value) -> Resp {
        let b = serde_json::to_vec(body).unwrap();
        self.send(
            "POST",
            target,
            &[("Content-Type", "application/json")],
            Some(&b),
        )
        .unwrap()
    }

    /// Reads the status line and headers.
    pub fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let mut l = String::new();
            if self.reader.read_line(&mut l)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let l = l.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap();
            headers.push((k.to_string(), v.trim().to_string()));
        }
        Ok((status, headers))
    }

    /// Reads one full response (Content-Length framing).
    pub fn read_response(&mut self) -> io::Result<Resp> {
        let (status, headers) = self.read_head()?;
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body)?;
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// Reads exactly `n` body bytes.
    pub fn read_bytes(&mut self, n: usize) -> io::Result<Vec<u8>> {
        let mut b = vec![0; n];
        self.reader.read_exact(&mut b)?;
        Ok(b)
    }

    /// Whether the server closed the connection (EOF or error on read).
    pub fn is_closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.reader.read(&mut b), Ok(0) | Err(_))
    }
}

/// One request on a fresh connection.
pub fn request(url: &str, method: &str, target: &str, body: Option<&Value>) -> Resp {
    let mut c = Conn::open(url);
    let b = body.map(|v| serde_json::to_vec(v).unwrap());
    let mut headers = vec![("Connection", "close")];
    if b.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    c.send(method, target, &headers, b.as_deref()).unwrap()
}

/// A PromptTemplate manifest with `template`.
pub fn prompt_manifest(template: &str) -> Value {
    serde_json::json!({
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "prompts", "prompt", "PromptTemplate"],
        "kwargs": {"input_variables": [], "template": template, "template_format": "f-string"},
        "name": "PromptTemplate"
    })
}
