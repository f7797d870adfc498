; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:response]
label = g:unix:Linux:2.6.x
sig = *:64:0:*:mss*4,0:mss:df:0
sig = 6:64-:0:1440:%8192,*:mss,sok,ts,nop,ws:flow:+
