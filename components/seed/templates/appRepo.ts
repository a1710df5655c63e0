// notes-app: a tiny Java HTTP notes service (JDK only, JUnit for its tests), its Dockerfile and the
// Jenkinsfile. The jar is built by the pipeline's Maven container into the shared workspace, so the
// Dockerfile only copies it — Kaniko sees the same claim — and needs no build stage.
import { APP_PORT, APP_UID } from "./deployRepo";
import { jenkinsfile, PipelineSettings, RUNTIME_IMAGE } from "./pipeline";

/** The jar Maven writes and the Dockerfile copies (pom.xml finalName). */
export const APP_JAR = "target/app.jar";

// Every lifecycle plugin is pinned: the defaults come from the Maven version in the build image
// (3.8 still defaults to resources 2.6), and the build should not change with it.
const POM = String.raw`<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>

  <groupId>local.cistack</groupId>
  <artifactId>notes-app</artifactId>
  <version>1.0.0</version>
  <packaging>jar</packaging>

  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <junit.version>5.11.4</junit.version>
  </properties>

  <dependencies>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>${"${junit.version}"}</version>
      <scope>test</scope>
    </dependency>
  </dependencies>

  <build>
    <finalName>app</finalName>
    <plugins>
      <plugin>
        <artifactId>maven-clean-plugin</artifactId>
        <version>3.4.0</version>
      </plugin>
      <plugin>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.1</version>
      </plugin>
      <plugin>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.13.0</version>
      </plugin>
      <plugin>
        <artifactId>maven-surefire-plugin</artifactId>
        <version>3.5.2</version>
      </plugin>
      <plugin>
        <artifactId>maven-jar-plugin</artifactId>
        <version>3.4.2</version>
        <configuration>
          <archive>
            <manifest>
              <mainClass>notes.NotesServer</mainClass>
            </manifest>
          </archive>
        </configuration>
      </plugin>
    </plugins>
  </build>
</project>
`;

const JSON_JAVA = String.raw`package notes;

/** Just enough JSON for the notes API. */
final class Json {
    private Json() {}

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
`;

const STORE_JAVA = String.raw`package notes;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** Notes kept in memory, in the order they were written. */
public final class NoteStore {
    public record Note(long id, String text) {
        public String toJson() {
            return "{\"id\":" + id + ",\"text\":" + Json.quote(text) + "}";
        }
    }

    private final AtomicLong nextId = new AtomicLong(1);
    private final ConcurrentSkipListMap<Long, Note> notes = new ConcurrentSkipListMap<>();

    public Note add(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a note needs some text");
        }
        Note note = new Note(nextId.getAndIncrement(), text.strip());
        notes.put(note.id(), note);
        return note;
    }

    public Optional<Note> get(long id) {
        return Optional.ofNullable(notes.get(id));
    }

    public List<Note> list() {
        return new ArrayList<>(notes.values());
    }
}
`;

const SERVER_JAVA = String.raw`package notes;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * GET /notes, POST /notes (the body is the note's text), GET /notes/{id}, GET /healthz.
 * The JDK's own HTTP server: no framework, a jar of a few kilobytes.
 */
public final class NotesServer {
    private final NoteStore store;
    private final HttpServer server;

    public NotesServer(int port, NoteStore store) throws IOException {
        this.store = store;
        this.server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
        server.createContext("/notes", this::notes);
    }

    public void start() {
        server.start();
    }

    public void stop() {
        server.stop(0);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void notes(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (path.equals("/notes") && method.equals("GET")) {
            String body = store.list().stream()
                    .map(NoteStore.Note::toJson)
                    .collect(Collectors.joining(",", "[", "]"));
            respond(ex, 200, "application/json", body);
        } else if (path.equals("/notes") && method.equals("POST")) {
            String text = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            try {
                respond(ex, 201, "application/json", store.add(text).toJson());
            } catch (IllegalArgumentException e) {
                respond(ex, 400, "text/plain", e.getMessage() + "\n");
            }
        } else if (path.matches("/notes/\\d{1,18}") && method.equals("GET")) {
            long id = Long.parseLong(path.substring("/notes/".length()));
            var note = store.get(id);
            if (note.isPresent()) {
                respond(ex, 200, "application/json", note.get().toJson());
            } else {
                respond(ex, 404, "text/plain", "no note " + id + "\n");
            }
        } else {
            respond(ex, 404, "text/plain", "not found\n");
        }
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        new NotesServer(port, new NoteStore()).start();
        System.out.println("notes-app listening on :" + port);
    }
}
`;

const STORE_TEST_JAVA = String.raw`package notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NoteStoreTest {
    @Test
    void keepsNotesInOrderWithIncreasingIds() {
        NoteStore store = new NoteStore();
        store.add("first");
        store.add("  second  ");
        assertEquals(2, store.list().size());
        assertEquals("second", store.list().get(1).text());
        assertEquals(2L, store.list().get(1).id());
        assertTrue(store.get(1).isPresent());
        assertTrue(store.get(3).isEmpty());
    }

    @Test
    void rejectsBlankNotes() {
        assertThrows(IllegalArgumentException.class, () -> new NoteStore().add("  "));
    }

    @Test
    void escapesJson() {
        NoteStore.Note note = new NoteStore().add("say \"hi\"\\\n");
        assertEquals("{\"id\":1,\"text\":\"say \\\"hi\\\"\\\\\"}", note.toJson());
    }
}
`;

const SERVER_TEST_JAVA = String.raw`package notes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class NotesServerTest {
    @Test
    void createsAndListsNotesOverHttp() throws Exception {
        NotesServer server = new NotesServer(0, new NoteStore());
        server.start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://localhost:" + server.port();
            HttpResponse<String> created = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/notes"))
                            .POST(HttpRequest.BodyPublishers.ofString("buy milk"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode());
            assertEquals("{\"id\":1,\"text\":\"buy milk\"}", created.body());

            HttpResponse<String> list = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/notes")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals("[{\"id\":1,\"text\":\"buy milk\"}]", list.body());

            HttpResponse<String> missing = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/notes/9")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
        } finally {
            server.stop();
        }
    }
}
`;

/** Pure: the Dockerfile. The base is pinned; the process runs as a numeric non-root user. */
export function dockerfile(runtimeImage: string = RUNTIME_IMAGE): string {
    return `# Seeded by ci-stack. The pipeline's Maven container builds ${APP_JAR} in the shared workspace;
# Kaniko builds this file from the same workspace, so the image only needs the jar.
FROM ${runtimeImage}
WORKDIR /app
COPY ${APP_JAR} /app/app.jar
# Numeric, so the kubelet can check runAsNonRoot without looking the user up.
USER ${APP_UID}:${APP_UID}
EXPOSE ${APP_PORT}
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar"]
`;
}

function readme(s: PipelineSettings): string {
    return `# ${s.imageName}

A tiny notes service, seeded by ci-stack to exercise the CI pipeline.

| request | does |
|---|---|
| \`GET /notes\` | every note, as JSON |
| \`POST /notes\` | adds a note; the body is its text |
| \`GET /notes/{id}\` | one note |
| \`GET /healthz\` | \`ok\` |

Every push to \`${s.branch}\` starts the Jenkins job (Generic Webhook Trigger). The \`Jenkinsfile\`
runs in a Kubernetes agent Pod in \`${s.agentNamespace}\`:

1. **Test and package** — Maven (\`${s.images.build}\`) runs the tests and writes \`${APP_JAR}\`
   into the workspace, a ReadWriteMany volume; the Maven repository is cached on another one.
2. **Build and push image** — Kaniko builds the \`Dockerfile\` without a Docker daemon and pushes
   \`${s.registry.server}/${s.registry.project}/${s.imageName}:<first 8 characters of the commit>\` and \`:latest\`,
   caching layers in \`${s.registry.server}/${s.registry.project}/kaniko-cache\`.
3. **Bump notes-deploy** — sets that tag in notes-deploy's \`k8s/deployment.yaml\` and pushes.

Run locally: \`mvn package && java -jar ${APP_JAR}\` (port 8080, or \`PORT\`).
`;
}

/** Pure: path -> content of the notes-app repository. */
export function appRepoFiles(s: PipelineSettings): Record<string, string> {
    return {
        Jenkinsfile: jenkinsfile(s),
        Dockerfile: dockerfile(s.runtimeImage ?? RUNTIME_IMAGE),
        // The context is a directory (dir://), so this only keeps the clone of notes-deploy and
        // git's objects out of reach of COPY.
        ".dockerignore": ".git\n.deploy\n",
        ".gitignore": "target/\n.deploy/\n",
        "pom.xml": POM,
        "src/main/java/notes/Json.java": JSON_JAVA,
        "src/main/java/notes/NoteStore.java": STORE_JAVA,
        "src/main/java/notes/NotesServer.java": SERVER_JAVA,
        "src/test/java/notes/NoteStoreTest.java": STORE_TEST_JAVA,
        "src/test/java/notes/NotesServerTest.java": SERVER_TEST_JAVA,
        "README.md": readme(s),
    };
}
