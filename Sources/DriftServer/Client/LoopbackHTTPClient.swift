#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A minimal blocking HTTP/1.1 client with keep-alive, for `driftwatch simulate`, the load
/// benchmark and tests (no TLS, no redirects, no chunked responses: it talks to our own server).
public final class LoopbackHTTPClient {
    public let host: String
    public let port: Int
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `url` like `http://127.0.0.1:9464` (a path part is ignored).
    public init(url: String) throws {
        guard let u = URLComponents(string: url), u.scheme == "http", let h = u.host else {
            throw Failure(description: "\(url): expected http://HOST:PORT")
        }
        host = h
        port = u.port ?? 80
    }

    deinit { if fd >= 0 { close(fd) } }

    private func connect() throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let ai = res else {
            throw Failure(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(res) }
        let s = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
        guard s >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        guard Glibc.connect(s, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 else {
            let e = String(cString: strerror(errno))
            close(s)
            throw Failure(description: "cannot connect to \(host):\(port): \(e)")
        }
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        fd = s
        buffer.removeAll()
    }

    /// Sends a request and reads the whole response. Reconnects once if the kept-alive
    /// connection was closed by the server.
    public func request(
        _ method: String, _ path: String, body: [UInt8] = [], contentType: String = "application/json",
        headers: [(String, String)] = []
    ) throws -> (status: Int, body: [UInt8]) {
        do {
            if fd < 0 { try connect() }
            return try exchange(method, path, body, contentType, headers)
        } catch {
            if fd >= 0 { close(fd); fd = -1 }
            try connect()
            return try exchange(method, path, body, contentType, headers)
        }
    }

    private func exchange(
        _ method: String, _ path: String, _ body: [UInt8], _ contentType: String,
        _ headers: [(String, String)]
    ) throws -> (status: Int, body: [UInt8]) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        if !body.isEmpty { head += "Content-Type: \(contentType)\r\n" }
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        try send(Array(head.utf8) + body)
        // Headers.
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = find([13, 10, 13, 10])
            if headerEnd == nil { try fill() }
        }
        let headerText = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        buffer.removeFirst(headerEnd! + 4)
        let lines = headerText.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw Failure(description: "bad status line: \(lines[0])")
        }
        var length = 0
        var closeAfter = false
        for line in lines.dropFirst() {
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            if kv[0].lowercased() == "content-length" { length = Int(kv[1]) ?? 0 }
            if kv[0].lowercased() == "connection" && kv[1].lowercased() == "close" { closeAfter = true }
        }
        while buffer.count < length { try fill() }
        let out = Array(buffer[0..<length])
        buffer.removeFirst(length)
        if closeAfter { close(fd); fd = -1 }
        return (status, out)
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for i in 0...(buffer.count - pattern.count) where buffer[i] == pattern[0] {
            if Array(buffer[i..<(i + pattern.count)]) == pattern { return i }
        }
        return nil
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
        guard n > 0 else { throw Failure(description: "connection closed by \(host):\(port)") }
        buffer.append(contentsOf: chunk[0..<n])
    }

    private func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + done, raw.count - done, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue };
                    throw Failure(description: "send: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }
}
