// {{ name }}: a Dart function. It serves HTTP on $PORT with dart:io and
// answers GET /healthz; hoist compiles it to a native executable.
import 'dart:convert';
import 'dart:io';

Future<void> main() async {
  final port = int.tryParse(Platform.environment['PORT'] ?? '') ?? 8000;
  final server = await HttpServer.bind(InternetAddress.anyIPv4, port);
  stdout.writeln('{{ name }} listening on :$port');

  // Finish in-flight requests on SIGTERM (the signal a deploy sends), then exit.
  ProcessSignal.sigterm.watch().listen((_) async {
    await server.close();
    exit(0);
  });

  await for (final request in server) {
    final response = request.response;
    if (request.uri.path == '/healthz') {
      response.headers.contentType = ContentType.text;
      response.write('ok\n');
    } else {
      response.headers.contentType = ContentType.json;
      response.write(jsonEncode({
        'message': 'Hello from {{ name }}!',
        'path': request.uri.path,
        'version': Platform.environment['VERSION'] ?? 'dev',
      }));
    }
    await response.close();
  }
}
