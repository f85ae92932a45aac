# An independent encoder of format 6's golden event and schema (bincode 2
# standard config: varints, LE), hashed with the blake3 Python package.
# Format 5's (format5.py) with what 6 added: a column's identity options,
# a primary key's and a unique constraint's deferred and deferrable, a
# foreign key's deferrable.
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
def column(name,ty,identity=None,identity_options=None):
    # name, ty, not_null, default, collation, generated, identity, identity_options
    return s(name)+s(ty)+boolean(False)+opt(None,s)+opt(None,s)+opt(None,s)+opt(identity,uv)+opt(identity_options,s)
def key(name,cols,deferred=False,deferrable=False):
    # a primary key or a unique constraint: name, columns, deferred, deferrable
    return opt(name,s)+vec(cols,s)+boolean(deferred)+boolean(deferrable)
def fk(name,cols,ref_table,ref_cols,deferred=False,deferrable=False):
    # name, columns, ref_table, ref_columns, on_delete, on_update (NO ACTION: 0), deferred, deferrable
    return opt(name,s)+vec(cols,s)+s(ref_table)+vec(ref_cols,s)+uv(0)+uv(0)+boolean(deferred)+boolean(deferrable)
def table(name,cols,primary=None,uniques=[],fks=[]):
    # name, columns, primary_key, uniques, checks, foreign_keys, options
    return s(name)+vec(cols,lambda c:c)+opt(primary,lambda p:p)+vec(uniques,lambda u:u)+vec([],s)+vec(fks,lambda f:f)+vec([],s)
def index():
    term=uv(0)+s("name")           # IndexTerm::Column("name")
    ic=term+opt(None,s)+boolean(False)
    return s("users_name")+s("users")+boolean(False)+vec([ic],lambda c:c)+opt(None,s)+opt("gist",s)+vec(["id"],s)
def definition():
    return uv(0)+s("users_id_seq")+s("CREATE SEQUENCE users_id_seq")+vec([],s)
cols=[column("id","integer",1,"INCREMENT BY 10 START WITH 100"), column("name","text")]
unique=key("users_name_key",["name"],deferred=True)
primary=key("users_pkey",["id"],deferrable=True)
foreign=fk("users_name_fkey",["name"],"users",["name"],deferrable=True)
ops=[
  uv(23)+definition(),                           # create_definition
  uv(0)+table("users",cols,uniques=[unique]),    # create_table
  uv(7)+index(),                                 # create_index
  uv(21)+s("users")+primary,                     # add_primary_key
  uv(9)+s("users")+foreign+uv(0),                # add_foreign_key at position 0
]
prev=bytes(range(32))
at=bytes.fromhex("fd0050afc72dc20c00")
event=uv(2)+prev+at+s("ada")+s("users")+uv(0)+vec(ops,lambda o:o)+opt(None,s)+b'\xab'*32+opt(None,lambda o:o)
users=table("users",cols,primary,[unique],[foreign])
def bmap(entries): return uv(len(entries))+b''.join(s(k)+v for k,v in entries)
schema=bmap([("users",users)])+bmap([("users_name",index())])+bmap([])+bmap([])+bmap([("users_id_seq",definition())])
def h(domain,version,dialect,b):
    return blake3.blake3(domain+struct.pack('<I',version)+bytes([len(dialect)])+dialect+b).hexdigest()
print("EVENT", event.hex())
print("SCHEMA", schema.hex())
for d in [b"sqlite", b"postgres"]:
    print(d.decode(), "event", h(b"strata/event",6,d,event), "fingerprint", h(b"strata/schema",6,d,schema))
