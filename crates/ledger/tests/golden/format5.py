# An independent encoder of format 5's golden event and schema (bincode 2
# standard config: varints, LE), hashed with the blake3 Python package.
import blake3, struct
def uv(n):
    if n < 251: return bytes([n])
    if n < 2**16: return b'\xfb'+struct.pack('<H',n)
    if n < 2**32: return b'\xfc'+struct.pack('<I',n)
    return b'\xfd'+struct.pack('<Q',n)
def s(x): b=x.encode(); return uv(len(b))+b
def opt(x,f): return b'\x00' if x is None else b'\x01'+f(x)
def vec(xs,f): return uv(len(xs))+b''.join(f(x) for x in xs)
def boolean(b): return b'\x01' if b else b'\x00'
def column(name,ty,identity=None):
    # name, ty, not_null, default, collation, generated, identity
    return s(name)+s(ty)+boolean(False)+opt(None,s)+opt(None,s)+opt(None,s)+opt(identity,uv)
def pk(name,cols): return opt(name,s)+vec(cols,s)
def table(name,cols,primary=None):
    return s(name)+vec(cols,lambda c:c)+opt(primary,lambda p:p)+vec([],s)+vec([],s)+vec([],s)+vec([],s)
def index():
    term=uv(0)+s("name")           # IndexTerm::Column("name")
    ic=term+opt(None,s)+boolean(False)
    return s("users_name")+s("users")+boolean(False)+vec([ic],lambda c:c)+opt(None,s)+opt("gist",s)+vec(["id"],s)
def definition():
    return uv(0)+s("users_id_seq")+s("CREATE SEQUENCE users_id_seq")+vec([],s)
cols=[column("id","integer",1), column("name","text")]
ops=[
  uv(23)+definition(),
  uv(0)+table("users",cols),
  uv(7)+index(),
  uv(21)+s("users")+pk("users_pkey",["id"]),
]
prev=bytes(range(32))
at=bytes.fromhex("fd0050afc72dc20c00")
event=uv(2)+prev+at+s("ada")+s("users")+uv(0)+vec(ops,lambda o:o)+opt(None,s)+b'\xab'*32+opt(None,lambda o:o)
users=table("users",cols,pk("users_pkey",["id"]))
def bmap(entries): return uv(len(entries))+b''.join(s(k)+v for k,v in entries)
schema=bmap([("users",users)])+bmap([("users_name",index())])+bmap([])+bmap([])+bmap([("users_id_seq",definition())])
def h(domain,version,dialect,b):
    return blake3.blake3(domain+struct.pack('<I',version)+bytes([len(dialect)])+dialect+b).hexdigest()
print("EVENT", event.hex())
print("SCHEMA", schema.hex())
for d in [b"sqlite", b"postgres"]:
    print(d.decode(), "event", h(b"strata/event",5,d,event), "fingerprint", h(b"strata/schema",5,d,schema))
