# leakage-corpus: expect=MLD602
import pandas as pd
from tensorflow.keras.preprocessing.text import Tokenizer
from tensorflow.keras.preprocessing.sequence import pad_sequences
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Embedding, LSTM, Dense
from sklearn.model_selection import train_test_split

reviews = pd.read_csv("imdb_reviews.csv")
texts = reviews["review"].str.lower().tolist()
labels = (reviews["sentiment"] == "positive").astype(int).values

tokenizer = Tokenizer(num_words=20000, oov_token="<unk>")
tokenizer.fit_on_texts(texts)
sequences = tokenizer.texts_to_sequences(texts)
padded = pad_sequences(sequences, maxlen=200)

x_train, x_test, y_train, y_test = train_test_split(padded, labels, test_size=0.2, random_state=3)

model = Sequential([Embedding(20000, 64), LSTM(64), Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=3, batch_size=128, validation_split=0.1)
loss, acc = model.evaluate(x_test, y_test)
print("test accuracy", acc)
