"""`make lab` as a user starts it: JupyterLab from the project's environment, bound to 127.0.0.1, runs a
notebook's code in a kernel it starts, where `import spyx_axn` is the working tree's code. Headless: the
server is driven over its REST and kernel WebSocket APIs, and stopped."""
import json, os, secrets, signal, socket, subprocess, time, urllib.request, uuid
import pytest
from helpers import ROOT, cells, has_flag

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

class Kernel:
    "A kernel started through the server's REST API, spoken to over its WebSocket channel."
    def __init__(self, base, token):
        import websocket  # websocket-client, pinned in requirements-dev.txt
        req = urllib.request.Request(f'{base}/api/kernels?token={token}', data=b'{}', method='POST',
                                     headers={'Content-Type': 'application/json'})
        self.id = json.load(urllib.request.urlopen(req, timeout=60))['id']
        self.ws = websocket.create_connection(f"{base.replace('http', 'ws')}/api/kernels/{self.id}/channels?token={token}",
                                              timeout=120)
        self.session = uuid.uuid4().hex

    def run(self, code):
        "Execute `code`; return its stdout, or fail with the kernel's error."
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({'header': {'msg_id': msg_id, 'msg_type': 'execute_request', 'session': self.session,
                                            'username': 'test', 'version': '5.3'},
                                 'parent_header': {}, 'metadata': {}, 'channel': 'shell', 'buffers': [],
                                 'content': {'code': code, 'silent': False, 'store_history': False,
                                             'user_expressions': {}, 'allow_stdin': False, 'stop_on_error': True}}))
        out, replied, idle = [], False, False
        # The reply comes on the shell channel and the output on iopub, in no set order between them: the output
        # is complete once iopub reports the kernel idle after this request.
        while not (replied and idle):
            msg = json.loads(self.ws.recv())
            if msg.get('parent_header', {}).get('msg_id') != msg_id: continue
            kind, content = msg['msg_type'], msg['content']
            if kind == 'stream' and content['name'] == 'stdout': out.append(content['text'])
            if kind == 'error': pytest.fail(f"{code[:200]}\n{content['ename']}: {content['evalue']}", pytrace=False)
            if kind == 'status' and content['execution_state'] == 'idle': idle = True
            if kind == 'execute_reply':
                assert content['status'] == 'ok', content
                replied = True
        return ''.join(out)

def listening(port):
    "The local addresses of the sockets listening on TCP `port`, from Linux's /proc/net/tcp and tcp6."
    out = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(':')
            if state == '0A' and int(p, 16) == port:  # 0A: LISTEN
                out.append(socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr)[::-1]) if len(addr) == 8 else addr)
    return out

def code_cells(nb):
    "The code a reader runs in notebook `nb`: every code cell but the `#| slow` and `#| notest` ones."
    sources = [''.join(c['source']) for c in cells(nb) if c['cell_type'] == 'code']
    return [s for s in sources if not has_flag(s, 'slow', 'notest')]

@pytest.mark.slow  # a Jupyter server and a kernel: 16 s of the fast tier's budget, run in CI's tier
def test_make_lab_runs_a_notebook_in_the_projects_kernel(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, 'JUPYTER_RUNTIME_DIR': str(tmp_path / 'runtime')}
    server = subprocess.Popen(['make', '-s', 'lab', f'LAB_ARGS=--no-browser --ServerApp.port={port} '
                               f'--ServerApp.port_retries=0 --IdentityProvider.token={token}'
                               + (' --allow-root' if os.geteuid() == 0 else '')],  # as CI runs: Jupyter refuses root unasked
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)  # its own process group: make, jupyter and the kernels
    base = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            if server.poll() is not None: break
            try:
                status = json.load(urllib.request.urlopen(f'{base}/api/status?token={token}', timeout=5)); break
            except OSError: time.sleep(0.5)
        else:
            if server.poll() is None: os.killpg(server.pid, signal.SIGTERM)
            pytest.fail(f"JupyterLab did not answer on {base}:\n{server.communicate(timeout=30)[0][-3000:]}", pytrace=False)
        assert 'started' in status
        assert listening(port) == ['127.0.0.1'], listening(port)  # reachable from this machine only
        kernel = Kernel(base, token)
        where = kernel.run("import sys, spyx_axn; print(spyx_axn.__file__); print(sys.executable)").split()
        assert where[0] == str(ROOT / 'spyx_axn' / '__init__.py'), where
        assert where[1].startswith(str(ROOT / '.venv')), where
        for code in code_cells('25_exponential.ipynb'): kernel.run(code)
        assert kernel.run("print(repr(exponential(k=2)))").strip() == 'exponential(k=2)'
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try: server.wait(30)
            except subprocess.TimeoutExpired: os.killpg(server.pid, signal.SIGKILL); server.wait()
