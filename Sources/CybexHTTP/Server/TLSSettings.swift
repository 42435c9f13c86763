import HummingbirdTLS
import NIOSSL

/// TLS for `cybex serve --tls-cert --tls-key`: TLS 1.2 or later, no 0-RTT (TAXII 2.1 section 1.6.1).
enum TLSSettings {
    static func server(certificatePath: String, keyPath: String) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}
