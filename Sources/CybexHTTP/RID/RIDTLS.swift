import Crypto
public import NIOSSL

/// TLS for RID (RFC 6546 section 5): TLS 1.2 or later, both sides authenticated by X.509
/// certificates. The listener requires a client certificate that chains to the RID CA (`--rid-ca`)
/// and then maps it to a peer by its SHA-256 fingerprint; the client presents this node's
/// certificate and checks the peer's name as any HTTPS client does.
public enum RIDTLS {
    /// The listener's configuration: this node's chain and key, client certificates required and
    /// checked against `caPath`.
    public static func server(certificatePath: String, keyPath: String, caPath: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        configuration.sendCANameList = true
        return configuration
    }

    /// The client's configuration: this node's chain and key presented, peers checked against `caPath`
    /// and by name.
    public static func client(certificatePath: String, keyPath: String, caPath: String) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { .certificate($0) }
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caPath))
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        return configuration
    }

    /// The SHA-256 fingerprint (lower-case hex) of a certificate's DER bytes.
    public static func fingerprint(_ certificate: NIOSSLCertificate) throws -> String {
        SHA256.hash(data: try certificate.toDERBytes()).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The fingerprint of the first certificate of the PEM file at `path` (`cybex peer add --certificate`).
    public static func fingerprint(pemFile path: String) throws -> String {
        guard let first = try NIOSSLCertificate.fromPEMFile(path).first else {
            throw NIOSSLError.failedToLoadCertificate
        }
        return try fingerprint(first)
    }
}
