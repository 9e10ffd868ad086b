/// How far a tailed file has been read: the file's identity (device and inode, so a rotated file is
/// told apart from its successor) and the byte offset after the last complete line consumed.
public struct TailPosition: Sendable, Equatable, Codable {
    public var source: String
    public var device: UInt64
    public var inode: UInt64
    public var offset: Int64
    public init(source: String, device: UInt64, inode: UInt64, offset: Int64) {
        self.source = source
        self.device = device
        self.inode = inode
        self.offset = offset
    }

    public func encode(into w: inout BinaryWriter) {
        w.string(source)
        w.u64(device)
        w.u64(inode)
        w.int(Int(offset))
    }

    public init(decoding r: inout BinaryReader) throws {
        self.init(source: try r.string(), device: try r.u64(), inode: try r.u64(), offset: Int64(try r.int()))
    }
}
