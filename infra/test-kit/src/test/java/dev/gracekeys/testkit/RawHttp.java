package dev.gracekeys.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket to 127.0.0.1, so a test controls every header a browser (or a DNS
 * rebinding page) would send, {@code Host} and {@code Origin} included, and sees every header of the
 * answer. Never connects anywhere but 127.0.0.1.
 */
final class RawHttp {

    /** What DynamoDB Local's request parser needs: any access key, any signature. */
    static final String AUTHORIZATION =
            "AWS4-HMAC-SHA256 Credential=local/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00";

    private RawHttp() {
    }

    /** One answer: status, headers by lower-case name, body. */
    record Response(int status, Map<String, List<String>> headers, String body) {

        List<String> header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    /** A request as the AWS SDK sends it, with {@code extraHeaders} (e.g. {@code Origin}) added. */
    static Response dynamoDb(int port, String operation, String json, Map<String, String> extraHeaders)
            throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "127.0.0.1:" + port);
        headers.put("Content-Type", "application/x-amz-json-1.0");
        headers.put("X-Amz-Target", "DynamoDB_20120810." + operation);
        headers.put("Authorization", AUTHORIZATION);
        headers.putAll(extraHeaders);
        return send(port, "POST", headers, json);
    }

    /** The JSON of a CreateTable request for an on-demand table {@code name} keyed by the string {@code k}. */
    static String createTable(String name) {
        return "{\"TableName\":\"" + name + "\","
                + "\"AttributeDefinitions\":[{\"AttributeName\":\"k\",\"AttributeType\":\"S\"}],"
                + "\"KeySchema\":[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";
    }

    /** Sends one request to 127.0.0.1:{@code port} with exactly these headers and reads the whole answer. */
    static Response send(int port, String method, Map<String, String> headers, String body) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method).append(" / HTTP/1.1\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(content.length).append("\r\n");
        head.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            return parse(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static Response parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("not an HTTP answer: " + raw);
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        return new Response(status, headers, raw.substring(end + 4));
    }
}
