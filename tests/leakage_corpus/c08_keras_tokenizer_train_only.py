# leakage-corpus: expect=none notebook
import pandas as pd
from sklearn.model_selection import train_test_split
from tensorflow.keras.preprocessing.text import Tokenizer
from tensorflow.keras.preprocessing.sequence import pad_sequences
from tensorflow.keras import layers, models
# %%
tweets = pd.read_csv("tweets.csv")
train_text, test_text, train_y, test_y = train_test_split(tweets["text"], tweets["target"], test_size=0.2, random_state=0)
# %%
tok = Tokenizer(num_words=10000)
tok.fit_on_texts(train_text)
train_seq = pad_sequences(tok.texts_to_sequences(train_text), maxlen=40)
test_seq = pad_sequences(tok.texts_to_sequences(test_text), maxlen=40)
# %%
net = models.Sequential([layers.Embedding(10000, 32), layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid")])
net.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
net.fit(train_seq, train_y, epochs=5, validation_split=0.1)
print(net.evaluate(test_seq, test_y))
