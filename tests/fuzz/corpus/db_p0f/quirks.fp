; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:request]
label = s:unix:Odd:1
sig = 4:64:4:1460:1024,15:mss,ws,ts,sok:df,id+,id-,ecn,0+,seq-,ack+,ack-,uptr+,urgf+,pushf+,ts1-,ts2+,opt+,exws,bad:+
