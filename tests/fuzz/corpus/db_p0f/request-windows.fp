; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:request]
label = s:win:Windows:7 or 8
sig = *:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0
sig = 4:128:0:1460:65535,2:mss,nop,ws,nop,nop,sok:df,id+:0
